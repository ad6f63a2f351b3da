# AsynccFunctions.cmake - build Async C (.ac) sources with CMake.
#
#   asyncc_target_sources(<target> <PRIVATE|PUBLIC|INTERFACE> file.ac ...)
#
# Each .ac file is transpiled at build time by asyncc::asyncc into
# ${CMAKE_CURRENT_BINARY_DIR}/asyncc_gen/<target>/<name>.c, which is added to
# <target>; <target> is linked to asyncc::runtime (and through it libuv).
# The transpiler sees the target's include directories and compile
# definitions (including those inherited from linked targets), so `#include`
# and `#if` in the .ac read the same as the C compiler reads them later.  A
# depfile written by asyncc makes the .c depend on every header the .ac
# includes.  Quoted includes (`#include "x.h"`) still resolve next to the .ac
# file, although the generated .c lives in the binary dir.
#
# The project uses it for its samples and tests; installed users get it from
# find_package(asyncc).
#
# clangd and other libclang tools: when the target exports compile commands
# (CMAKE_EXPORT_COMPILE_COMMANDS=ON, i.e. its EXPORT_COMPILE_COMMANDS
# property), each .ac also gets an entry of its own in
# ${CMAKE_BINARY_DIR}/compile_commands.json, beside the generated .c:
# `cc -x c -std=gnu11 -I... -D... -c file.ac`, the target's include
# directories and definitions, read the way asyncc.h's default reader (the
# transpiler's) reads it.  CMake writes that file at generate time without
# them; the build target asyncc_compile_commands (part of ALL) adds them,
# by AsynccCompileCommands.cmake, from one fragment per .ac that
# file(GENERATE) writes next to the generated .c.  Nothing of this happens
# when compile commands are not exported.

# DEPFILE paths are taken relative to the current binary dir (CMake >= 3.20);
# recorded here so it holds whatever policy version the caller runs under.
if(POLICY CMP0116)
  cmake_policy(SET CMP0116 NEW)
endif()

# The merge script lives next to this file (source tree or installed
# package); the deferred call that adds the target runs in another scope.
set_property(GLOBAL PROPERTY ASYNCC_COMPILE_COMMANDS_SCRIPT
  "${CMAKE_CURRENT_LIST_DIR}/AsynccCompileCommands.cmake")

# Called once, when the top-level directory is done (cmake_language DEFER):
# every .ac's fragment is known by then.
function(_asyncc_compile_commands_target)
  get_property(frags GLOBAL PROPERTY ASYNCC_COMPILE_COMMANDS_FRAGMENTS)
  get_property(script GLOBAL PROPERTY ASYNCC_COMPILE_COMMANDS_SCRIPT)
  set(state "${CMAKE_BINARY_DIR}/asyncc_compile_commands")
  list(JOIN frags "\n" frag_lines)
  file(WRITE "${state}/fragments.txt" "${frag_lines}\n")
  add_custom_target(asyncc_compile_commands ALL
    COMMAND "${CMAKE_COMMAND}"
            "-DASYNCC_DB=${CMAKE_BINARY_DIR}/compile_commands.json"
            "-DASYNCC_STATE=${state}"
            -P "${script}"
    COMMENT "asyncc: .ac entries in compile_commands.json"
    VERBATIM)
endfunction()

function(asyncc_target_sources target scope)
  if(NOT TARGET ${target})
    message(FATAL_ERROR "asyncc_target_sources: no target named ${target}")
  endif()
  if(NOT scope MATCHES "^(PRIVATE|PUBLIC|INTERFACE)$")
    message(FATAL_ERROR
      "asyncc_target_sources(${target} ${scope} ...): the second argument "
      "must be PRIVATE, PUBLIC or INTERFACE")
  endif()
  if(NOT TARGET asyncc::asyncc OR NOT TARGET asyncc::runtime)
    message(FATAL_ERROR
      "asyncc_target_sources: asyncc::asyncc / asyncc::runtime are not "
      "defined; call find_package(asyncc) first")
  endif()

  set(inc "$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>")
  set(def "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  # -I DIR and -D NAME as separate words: asyncc's documented form.
  set(inc_args "$<$<BOOL:${inc}>:-I;$<JOIN:${inc},;-I;>>")
  set(def_args "$<$<BOOL:${def}>:-D;$<JOIN:${def},;-D;>>")

  # Entries for the .ac files in compile_commands.json (see the top).
  get_target_property(export_cc ${target} EXPORT_COMPILE_COMMANDS)
  if(export_cc)
    get_property(deferred GLOBAL PROPERTY ASYNCC_COMPILE_COMMANDS_DEFERRED)
    if(NOT deferred)
      set_property(GLOBAL PROPERTY ASYNCC_COMPILE_COMMANDS_DEFERRED TRUE)
      cmake_language(DEFER DIRECTORY "${CMAKE_SOURCE_DIR}"
        CALL _asyncc_compile_commands_target)
    endif()
  endif()

  foreach(src IN LISTS ARGN)
    get_filename_component(abs "${src}" ABSOLUTE)
    get_filename_component(dir "${abs}" DIRECTORY)
    get_filename_component(name "${abs}" NAME_WLE)
    # Keep sub-directories of the source dir apart (a/x.ac vs b/x.ac).
    file(RELATIVE_PATH rel "${CMAKE_CURRENT_SOURCE_DIR}" "${dir}")
    if(rel MATCHES "^\\.\\.")
      string(MD5 rel "${dir}")
    endif()
    set(out "${CMAKE_CURRENT_BINARY_DIR}/asyncc_gen/${target}/${rel}/${name}.c")
    cmake_path(NORMAL_PATH out)
    get_filename_component(out_dir "${out}" DIRECTORY)
    add_custom_command(
      OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out_dir}"
      COMMAND asyncc::asyncc "${abs}" -o "${out}" -MF "${out}.d"
              "${inc_args}" "${def_args}"
      DEPENDS "${abs}" asyncc::asyncc
      DEPFILE "${out}.d"
      COMMENT "asyncc ${src}"
      COMMAND_EXPAND_LISTS
      VERBATIM)
    target_sources(${target} ${scope} "${out}")
    # Quoted includes of the .ac resolve in its own directory.
    set_source_files_properties("${out}" TARGET_DIRECTORY ${target}
      PROPERTIES GENERATED TRUE COMPILE_OPTIONS "-iquote;${dir}")
    if(export_cc)
      # One line per word: the merge script makes the JSON (and escapes).
      file(GENERATE OUTPUT "${out}.ccmd" CONTENT
"compiler=${CMAKE_C_COMPILER}
directory=${CMAKE_CURRENT_BINARY_DIR}
file=${abs}
$<$<BOOL:${inc}>:I=$<JOIN:${inc},\nI=>\n>$<$<BOOL:${def}>:D=$<JOIN:${def},\nD=>\n>")
      set_property(GLOBAL APPEND PROPERTY ASYNCC_COMPILE_COMMANDS_FRAGMENTS
        "${out}.ccmd")
    endif()
  endforeach()

  if(scope STREQUAL "INTERFACE")
    target_link_libraries(${target} INTERFACE asyncc::runtime)
  else()
    target_link_libraries(${target} PRIVATE asyncc::runtime)
  endif()
endfunction()
