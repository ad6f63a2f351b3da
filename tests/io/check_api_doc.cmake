# check_api_doc.cmake -DDOC=docs/API.md -DHDR=runtime/include/asyncc.h
# Every function asyncc.h declares, and every form, must appear in
# docs/API.md inside a ```c block or a `code` span.
#
# Functions: identifiers ac_[a-z0-9_]* immediately followed by "(" after a
# type (a declaration or a static inline definition; "return ac_f(" is a
# call), comments removed first.  Names with "__" are internal or ABI and
# are skipped.  Forms: the lowercase macros asyncc.h defines (async, await,
# gather, to_thread, spawn, with_timeout, async_run), and those seven in any
# case, so that a form is not dropped from the check with its macro.
cmake_minimum_required(VERSION 3.20)
file(READ "${HDR}" hdr)
file(READ "${DOC}" doc)

# ---- the names --------------------------------------------------------------
string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " hdr "${hdr}")
string(REGEX REPLACE "//[^\n]*" "" hdr "${hdr}")

set(names "")
string(REGEX MATCHALL "[A-Za-z0-9_]+[ \t\n*]+ac_[a-z0-9_]*\\(" decls "${hdr}")
foreach(d IN LISTS decls)
  string(REGEX MATCH "^[A-Za-z0-9_]+" before "${d}")
  string(REGEX MATCH "ac_[a-z0-9_]*\\($" name "${d}")
  string(REGEX REPLACE "\\($" "" name "${name}")
  if(before STREQUAL "return" OR name MATCHES "__")
    continue()
  endif()
  list(APPEND names "${name}")
endforeach()

set(forms async await gather to_thread spawn with_timeout async_run)
string(REGEX MATCHALL "#[ \t]*define[ \t]+[a-z_][a-z0-9_]*" defs "${hdr}")
foreach(d IN LISTS defs)
  string(REGEX REPLACE "^#[ \t]*define[ \t]+" "" name "${d}")
  if(NOT name MATCHES "__")
    list(APPEND forms "${name}")
  endif()
endforeach()
list(APPEND names ${forms})
list(REMOVE_DUPLICATES names)
list(LENGTH names count)
if(VERBOSE_NAMES)
  message(STATUS "names: ${names}")
endif()
if(count LESS 40)
  message(FATAL_ERROR "only ${count} names found in ${HDR}: the pattern is broken")
endif()

# ---- the code of the doc: ```c blocks and `spans` ----------------------------
set(code "")
set(prose "")
set(rest "${doc}")
while(TRUE)
  string(FIND "${rest}" "```" a)
  if(a LESS 0)
    string(APPEND prose "${rest}")
    break()
  endif()
  string(SUBSTRING "${rest}" 0 ${a} before)
  string(APPEND prose "${before}\n")
  math(EXPR a "${a} + 3")
  string(SUBSTRING "${rest}" ${a} -1 rest)
  string(FIND "${rest}" "\n" nl)
  if(nl LESS 0)
    message(FATAL_ERROR "${DOC}: a fence ends the file")
  endif()
  string(SUBSTRING "${rest}" 0 ${nl} info)
  string(STRIP "${info}" info)
  math(EXPR nl "${nl} + 1")
  string(SUBSTRING "${rest}" ${nl} -1 rest)
  string(FIND "${rest}" "```" b)
  if(b LESS 0)
    message(FATAL_ERROR "${DOC}: a ``` block is not closed")
  endif()
  string(SUBSTRING "${rest}" 0 ${b} block)
  if(info STREQUAL "c")
    string(APPEND code "${block}\n")
  endif()
  math(EXPR b "${b} + 3")
  string(SUBSTRING "${rest}" ${b} -1 rest)
endwhile()
string(REGEX MATCHALL "`[^`\n]+`" spans "${prose}")
foreach(s IN LISTS spans)
  string(APPEND code "${s}\n")
endforeach()

# ---- the check --------------------------------------------------------------
set(missing "")
foreach(name IN LISTS names)
  if(NOT code MATCHES "(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)")
    list(APPEND missing "${name}")
  endif()
endforeach()
if(missing)
  list(JOIN missing ", " m)
  message(FATAL_ERROR "${DOC} does not document (in a ```c block or a `code` span) "
                      "these names from ${HDR}: ${m}")
endif()
message(STATUS "${DOC} documents all ${count} names of ${HDR}")
