# AsynccCompileCommands.cmake - adds the .ac files' entries to a build's
# compile_commands.json (run by the asyncc_compile_commands target that
# asyncc_target_sources adds when compile commands are exported):
#
#   cmake -DASYNCC_DB=<build>/compile_commands.json
#         -DASYNCC_STATE=<build>/asyncc_compile_commands -P this file
#
# ASYNCC_STATE/fragments.txt lists one fragment per .ac (written by
# file(GENERATE)): lines compiler=, directory=, file=, then I= and D= for
# each include directory and definition.  Each becomes
#   {"directory": D, "file": F,
#    "arguments": [cc, "-x", "c", "-std=gnu11", "-I...", "-D...", "-c", F]}
# appended to the entries CMake wrote.  CMake rewrites the database (without
# them) whenever it regenerates; to stay idempotent, CMake's own version is
# kept in ASYNCC_STATE/cmake.json and the merged one in merged.json: a
# database that differs from merged.json is a fresh one from CMake.
cmake_minimum_required(VERSION 3.20)

if(NOT ASYNCC_DB OR NOT ASYNCC_STATE)
  message(FATAL_ERROR "AsynccCompileCommands.cmake: set ASYNCC_DB and ASYNCC_STATE")
endif()

# A JSON string literal of S (paths and flags: no control characters but
# tabs).
function(_ac_json out s)
  string(REPLACE "\\" "\\\\" s "${s}")
  string(REPLACE "\"" "\\\"" s "${s}")
  string(REPLACE "\t" "\\t" s "${s}")
  set(${out} "\"${s}\"" PARENT_SCOPE)
endfunction()

set(db_text "")
if(EXISTS "${ASYNCC_DB}")
  file(READ "${ASYNCC_DB}" db_text)
endif()
set(merged_text "")
if(EXISTS "${ASYNCC_STATE}/merged.json")
  file(READ "${ASYNCC_STATE}/merged.json" merged_text)
endif()
if(EXISTS "${ASYNCC_DB}" AND NOT db_text STREQUAL merged_text)
  file(WRITE "${ASYNCC_STATE}/cmake.json" "${db_text}")
endif()

# CMake's entries, without the brackets around them.
set(base "")
if(EXISTS "${ASYNCC_STATE}/cmake.json")
  file(READ "${ASYNCC_STATE}/cmake.json" base)
  string(FIND "${base}" "[" open)
  string(FIND "${base}" "]" close REVERSE)
  if(open LESS 0 OR close LESS open)
    message(FATAL_ERROR "${ASYNCC_DB} is not a JSON array")
  endif()
  math(EXPR open "${open} + 1")
  math(EXPR len "${close} - ${open}")
  string(SUBSTRING "${base}" ${open} ${len} base)
  string(STRIP "${base}" base)
endif()

# Strings, not lists: a command may hold a ';'.
set(body "${base}")
set(frags "")
if(EXISTS "${ASYNCC_STATE}/fragments.txt")
  file(STRINGS "${ASYNCC_STATE}/fragments.txt" frags)
endif()
foreach(frag IN LISTS frags)
  if(NOT EXISTS "${frag}")
    continue()
  endif()
  file(STRINGS "${frag}" lines)
  set(cc "cc")
  set(dir "")
  set(src "")
  set(flags "")
  foreach(line IN LISTS lines)
    if(line MATCHES "^compiler=(.*)$")
      set(cc "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^directory=(.*)$")
      set(dir "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^file=(.*)$")
      set(src "${CMAKE_MATCH_1}")
    elseif(line MATCHES "^([ID])=(.+)$")
      _ac_json(j "-${CMAKE_MATCH_1}${CMAKE_MATCH_2}")
      string(APPEND flags ", ${j}")
    endif()
  endforeach()
  if(src STREQUAL "")
    continue()
  endif()
  _ac_json(jcc "${cc}")
  _ac_json(jdir "${dir}")
  _ac_json(jsrc "${src}")
  set(e "{\n  \"directory\": ${jdir},\n  \"file\": ${jsrc},\n")
  string(APPEND e "  \"arguments\": [${jcc}, \"-x\", \"c\", \"-std=gnu11\"${flags}, \"-c\", ${jsrc}]\n}")
  if(NOT body STREQUAL "")
    string(APPEND body ",\n")
  endif()
  string(APPEND body "${e}")
endforeach()

set(text "[\n${body}\n]\n")
if(NOT text STREQUAL db_text)
  file(WRITE "${ASYNCC_DB}" "${text}")
endif()
file(WRITE "${ASYNCC_STATE}/merged.json" "${text}")
