# Every third-party dependency, found through pkg-config (the cnats CMake
# config in libnats-dev points at a static library that is not shipped, so
# find_package(cnats) is not used). A missing dependency stops the configure
# step with the Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
    message(FATAL_ERROR
        "pkg-config not found: install the Debian package 'pkg-config' "
        "(or run scripts/install-deps.sh)")
endif()

# overhead_require(<target-suffix> <pkg-config module> <Debian package>)
# defines the imported target dep::<target-suffix>.
function(overhead_require name module debpkg)
    pkg_check_modules(OVH_${name} QUIET IMPORTED_TARGET GLOBAL ${module})
    if(NOT OVH_${name}_FOUND)
        message(FATAL_ERROR
            "dependency '${module}' not found by pkg-config: install the Debian "
            "package '${debpkg}' (or run scripts/install-deps.sh)")
    endif()
    add_library(dep::${name} ALIAS PkgConfig::OVH_${name})
    set(OVH_${name}_VERSION "${OVH_${name}_VERSION}" PARENT_SCOPE)
endfunction()

overhead_require(nats     libnats     libnats-dev)
overhead_require(profiler libprofiler libgoogle-perftools-dev)
overhead_require(jansson  jansson     libjansson-dev)
overhead_require(sqlite3  sqlite3     libsqlite3-dev)
overhead_require(dw       libdw       libdw-dev)
overhead_require(elf      libelf      libelf-dev)
# Symbolized profiles published with a report: pprof's profile.proto, gzipped.
overhead_require(protobufc libprotobuf-c libprotobuf-c-dev)
overhead_require(zlib     zlib        zlib1g-dev)
find_program(PROTOC_C_EXE protoc-c)
if(NOT PROTOC_C_EXE)
    message(FATAL_ERROR
        "protoc-c not found: install the Debian package 'protobuf-c-compiler' "
        "(or run scripts/install-deps.sh)")
endif()

find_package(CmarkGfm REQUIRED)

find_program(NATS_SERVER_EXE nats-server)
if(NOT NATS_SERVER_EXE)
    message(FATAL_ERROR
        "nats-server not found: install the Debian package 'nats-server' "
        "(or run scripts/install-deps.sh)")
endif()

# The workloads link SQLite and jansson statically from Debian's own archives
# (same versions and compile options as the shared libraries): their objects
# keep local function symbols, so profiles name SQLite's and jansson's static
# functions, which the stripped shared libraries cannot. Category rules find
# them by name (report/data/archives.tsv, made by scripts/archive-functions.sh).
# overhead_require_static(<target-suffix> <archive> <Debian package> <libs...>)
# defines dep::<target-suffix>_static.
function(overhead_require_static name archive debpkg)
    find_library(OVH_${name}_ARCHIVE NAMES ${archive} NO_CACHE)
    if(NOT OVH_${name}_ARCHIVE)
        message(FATAL_ERROR
            "static library '${archive}' not found: install the Debian package "
            "'${debpkg}' (or run scripts/install-deps.sh)")
    endif()
    add_library(dep::${name}_static STATIC IMPORTED GLOBAL)
    set_target_properties(dep::${name}_static PROPERTIES
        IMPORTED_LOCATION ${OVH_${name}_ARCHIVE}
        # headers: /usr/include, as for the shared library
        INTERFACE_LINK_LIBRARIES "${ARGN}")
endfunction()
overhead_require_static(sqlite3 libsqlite3.a libsqlite3-dev m z)
overhead_require_static(jansson libjansson.a libjansson-dev)
