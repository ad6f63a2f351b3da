# AsynccTools.cmake - the things around the transpiler that users touch:
# the asyncc-cc wrapper (build tree and installed), the pkg-config file, the
# install rules and the CMake package.  Included from the root CMakeLists.txt
# once the asyncc and asyncc_runtime targets exist.

include(CMakePackageConfigHelpers)

set(ASYNCC_PKG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/asyncc)

# Flags every compile and link of generated code needs in this build: the
# runtime library is instrumented in a sanitizer build, so its users must
# link the sanitizer runtimes too.
list(JOIN ASYNCC_SANITIZE_FLAGS " " ASYNCC_CC_EXTRA_FLAGS)

# ---- asyncc-cc -------------------------------------------------------------
# Build tree: bin/asyncc-cc runs bin/asyncc, the source headers and
# lib/libasyncc.a, so it works without installing.  The paths of targets are
# only known at generate time, hence configure_file (for @VARS@) followed by
# file(GENERATE) (for $<TARGET_FILE:...>).
set(ASYNCC_CC_PRELUDE "")
set(ASYNCC_CC_ASYNCC "$<TARGET_FILE:asyncc>")
set(ASYNCC_CC_INCLUDE "${PROJECT_SOURCE_DIR}/runtime/include")
set(ASYNCC_CC_LIBRARY "$<TARGET_FILE:asyncc_runtime>")

# The optional libraries (runtime/http, runtime/pg), for asyncc-cc: where
# <asyncc/NAME.h> is, the archive, what the archive needs at link time
# (absolute paths), and the compiler flags its header needs (the cached
# ASYNCC_<NAME>_CFLAGS: <asyncc/pg.h> includes <libpq-fe.h>, which is not
# in a default directory).  All empty when the library is not built.
# asyncc_cc_optional(NAME TARGET DEP_LIBS...)
set(ASYNCC_OPTIONAL_LIBS "")
function(asyncc_cc_optional name target)
  string(TOUPPER ${name} up)
  if(TARGET ${target})
    set(deps ${ARGN})
    list(JOIN deps " " deps)
    set(ASYNCC_CC_${up}_INCLUDE "${PROJECT_SOURCE_DIR}/runtime/${name}" PARENT_SCOPE)
    set(ASYNCC_CC_${up}_ARCHIVE "$<TARGET_FILE:${target}>" PARENT_SCOPE)
    set(ASYNCC_CC_${up}_DEPS "${deps}" PARENT_SCOPE)
    list(JOIN ASYNCC_${up}_CFLAGS " " cflags)
    set(ASYNCC_CC_${up}_CFLAGS "${cflags}" PARENT_SCOPE)
    set(ASYNCC_OPTIONAL_LIBS ${ASYNCC_OPTIONAL_LIBS} ${name} PARENT_SCOPE)
  else()
    set(ASYNCC_CC_${up}_INCLUDE "" PARENT_SCOPE)
    set(ASYNCC_CC_${up}_ARCHIVE "" PARENT_SCOPE)
    set(ASYNCC_CC_${up}_DEPS "" PARENT_SCOPE)
    set(ASYNCC_CC_${up}_CFLAGS "" PARENT_SCOPE)
  endif()
endfunction()
asyncc_cc_optional(http asyncc_http ${ASYNCC_HTTP_DEPS})
asyncc_cc_optional(pg asyncc_pg ${ASYNCC_PG_DEPS})
configure_file(${PROJECT_SOURCE_DIR}/tools/asyncc-cc.in
  ${PROJECT_BINARY_DIR}/tools/asyncc-cc.build @ONLY)
file(GENERATE OUTPUT ${CMAKE_RUNTIME_OUTPUT_DIRECTORY}/asyncc-cc
  INPUT ${PROJECT_BINARY_DIR}/tools/asyncc-cc.build
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
                   GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# Installed: the same script, finding the prefix from its own location so an
# install (or `cmake --install --prefix DIR`) can be moved around.
file(RELATIVE_PATH _asyncc_bin_to_prefix "${CMAKE_INSTALL_FULL_BINDIR}"
  "${CMAKE_INSTALL_PREFIX}")
set(ASYNCC_CC_PRELUDE
  "prefix=$(cd \"$(dirname \"$(readlink -f \"$0\")\")/${_asyncc_bin_to_prefix}\" && pwd)")
set(ASYNCC_CC_ASYNCC "\${prefix}/${CMAKE_INSTALL_BINDIR}/asyncc")
set(ASYNCC_CC_INCLUDE "\${prefix}/${ASYNCC_INSTALL_INCLUDEDIR}")
set(ASYNCC_CC_LIBRARY
  "\${prefix}/${CMAKE_INSTALL_LIBDIR}/${CMAKE_STATIC_LIBRARY_PREFIX}asyncc${CMAKE_STATIC_LIBRARY_SUFFIX}")
foreach(name IN LISTS ASYNCC_OPTIONAL_LIBS)
  string(TOUPPER ${name} up)
  set(ASYNCC_CC_${up}_INCLUDE "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  set(ASYNCC_CC_${up}_ARCHIVE
    "\${prefix}/${CMAKE_INSTALL_LIBDIR}/${CMAKE_STATIC_LIBRARY_PREFIX}asyncc_${name}${CMAKE_STATIC_LIBRARY_SUFFIX}")
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/tools/asyncc-cc.in
  ${PROJECT_BINARY_DIR}/tools/asyncc-cc.install @ONLY)

# ---- pkg-config ------------------------------------------------------------
# Relocatable too: prefix is found from the .pc file's own directory.
file(RELATIVE_PATH ASYNCC_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig"
  "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" ASYNCC_PC_TO_PREFIX "${ASYNCC_PC_TO_PREFIX}")
set(ASYNCC_PC_EXTRA_LIBS "")
if(ASYNCC_SANITIZE)
  set(ASYNCC_PC_EXTRA_LIBS "-fsanitize=address,undefined")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/asyncc.pc.in
  ${PROJECT_BINARY_DIR}/tools/asyncc.pc @ONLY)
# asyncc-http.pc, asyncc-pg.pc: the optional libraries.
set(ASYNCC_HTTP_PC_LIBS "-lhttp_parser")
foreach(name IN LISTS ASYNCC_OPTIONAL_LIBS)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/asyncc-${name}.pc.in
    ${PROJECT_BINARY_DIR}/tools/asyncc-${name}.pc @ONLY)
endforeach()

# ---- install ---------------------------------------------------------------
install(TARGETS asyncc EXPORT asyncc-targets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS asyncc_runtime EXPORT asyncc-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(PROGRAMS ${PROJECT_BINARY_DIR}/tools/asyncc-cc.install
  DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME asyncc-cc)
install(FILES ${PROJECT_SOURCE_DIR}/runtime/include/asyncc.h
  ${PROJECT_SOURCE_DIR}/runtime/include/asyncc_abi.h
  ${PROJECT_SOURCE_DIR}/runtime/include/asyncc_errors.h
  DESTINATION ${ASYNCC_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_BINARY_DIR}/tools/asyncc.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# The gdb extension (ac-tasks, ac-bt, ac-locals): `source` it from gdb.
install(FILES ${PROJECT_SOURCE_DIR}/tools/gdb/asyncc-gdb.py
  DESTINATION ${CMAKE_INSTALL_DATADIR}/asyncc/gdb)
# The manual pages: asyncc(1), asyncc-cc(1), asyncc(7) (man/).
install(FILES ${PROJECT_SOURCE_DIR}/man/asyncc.1
  ${PROJECT_SOURCE_DIR}/man/asyncc-cc.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/asyncc.7
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man7)
# Optional libraries: the archive, <asyncc/NAME.h> (include/asyncc/NAME.h,
# beside asyncc.h) and asyncc-NAME.pc.
foreach(name IN LISTS ASYNCC_OPTIONAL_LIBS)
  install(TARGETS asyncc_${name} EXPORT asyncc-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${PROJECT_SOURCE_DIR}/runtime/${name}/asyncc/${name}.h
    DESTINATION ${ASYNCC_INSTALL_INCLUDEDIR})
  install(FILES ${PROJECT_BINARY_DIR}/tools/asyncc-${name}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

# ---- CMake package: find_package(asyncc) -----------------------------------
install(EXPORT asyncc-targets NAMESPACE asyncc::
  DESTINATION ${ASYNCC_PKG_DIR})
# What the exported optional targets link: their config must recreate the
# pkg-config imported targets before including asyncc-targets.cmake.
set(ASYNCC_CONFIG_DEPS "")
if(TARGET asyncc_http)
  string(APPEND ASYNCC_CONFIG_DEPS
    "if(NOT TARGET PkgConfig::CURL)\n  pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)\nendif()\n")
endif()
if(TARGET asyncc_pg)
  string(APPEND ASYNCC_CONFIG_DEPS
    "if(NOT TARGET PkgConfig::PQ)\n  pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)\nendif()\n")
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/asyncc-config.cmake.in
  ${PROJECT_BINARY_DIR}/tools/asyncc-config.cmake
  INSTALL_DESTINATION ${ASYNCC_PKG_DIR}
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/tools/asyncc-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tools/asyncc-config.cmake
  ${PROJECT_BINARY_DIR}/tools/asyncc-config-version.cmake
  ${PROJECT_SOURCE_DIR}/cmake/AsynccFunctions.cmake
  ${PROJECT_SOURCE_DIR}/cmake/AsynccCompileCommands.cmake
  DESTINATION ${ASYNCC_PKG_DIR})

# The same package for the build tree, so a project can use asyncc without
# installing it:  cmake -Dasyncc_DIR=/path/to/asyncc/build ...
export(EXPORT asyncc-targets NAMESPACE asyncc::
  FILE ${PROJECT_BINARY_DIR}/asyncc-targets.cmake)
configure_file(${PROJECT_SOURCE_DIR}/cmake/asyncc-build-config.cmake.in
  ${PROJECT_BINARY_DIR}/asyncc-config.cmake @ONLY)
file(COPY ${PROJECT_BINARY_DIR}/tools/asyncc-config-version.cmake
  DESTINATION ${PROJECT_BINARY_DIR})
