# Find cmark-gfm and its GFM extensions (tables, strikethrough, autolinks).
#
# Debian 12's libcmark-gfm.pc asks for -lcmark-gfm-extensions, which has no
# development symlink unless libcmark-gfm-extensions-dev is installed, and
# without that package the extensions header is missing too. So: link the core
# library by name, find the extensions library under either name, and use the
# extensions header when present; otherwise CMARK_GFM_DECLARE_EXTENSIONS is set
# and the code declares cmark_gfm_core_extensions_ensure_registered() itself.
#
# Defines the imported target dep::cmark_gfm.
find_path(CmarkGfm_INCLUDE_DIR NAMES cmark-gfm.h)
find_library(CmarkGfm_LIBRARY NAMES cmark-gfm)
find_library(CmarkGfm_EXT_LIBRARY
    NAMES cmark-gfm-extensions libcmark-gfm-extensions.so.0.29.0.gfm.6)
find_path(CmarkGfm_EXT_INCLUDE_DIR NAMES cmark-gfm-core-extensions.h)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CmarkGfm
    REQUIRED_VARS CmarkGfm_LIBRARY CmarkGfm_EXT_LIBRARY CmarkGfm_INCLUDE_DIR
    REASON_FAILURE_MESSAGE
        "install the Debian packages 'libcmark-gfm-dev' and 'libcmark-gfm-extensions-dev' (or run scripts/install-deps.sh)")

if(CmarkGfm_FOUND AND NOT TARGET dep::cmark_gfm)
    add_library(dep_cmark_gfm INTERFACE)
    target_include_directories(dep_cmark_gfm INTERFACE ${CmarkGfm_INCLUDE_DIR})
    target_link_libraries(dep_cmark_gfm INTERFACE ${CmarkGfm_EXT_LIBRARY} ${CmarkGfm_LIBRARY})
    if(NOT CmarkGfm_EXT_INCLUDE_DIR)
        target_compile_definitions(dep_cmark_gfm INTERFACE CMARK_GFM_DECLARE_EXTENSIONS=1)
    endif()
    add_library(dep::cmark_gfm ALIAS dep_cmark_gfm)
endif()
mark_as_advanced(CmarkGfm_INCLUDE_DIR CmarkGfm_LIBRARY CmarkGfm_EXT_LIBRARY
    CmarkGfm_EXT_INCLUDE_DIR)
