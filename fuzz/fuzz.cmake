# Fuzz targets (included from tests/CMakeLists.txt):
#   fuzz_profile   the profile parser                 corpus: fuzz/corpus
#   fuzz_render    analysis JSON -> Markdown -> HTML   corpus: fuzz/corpus-render
#   fuzz_analysis  a run directory -> analysis         corpus: fuzz/corpus-analysis
#   fuzz_runrecord a trial record -> measure/runrecord  corpus: fuzz/corpus-runrecord
#   fuzz_perfscript perf script text -> profiles        corpus: fuzz/corpus-perfscript
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFUZZ=ON
#   cmake --build build-fuzz --target fuzz_render
#   build-fuzz/tests/fuzz_render -timeout=5 -max_total_time=600 fuzz/corpus-render
# Without FUZZ, each corpus (seeds and past crashes) is replayed under ctest.
option(FUZZ "Build fuzz_profile with clang's libFuzzer (needs CMAKE_C_COMPILER=clang)" OFF)
set(OVERHEAD_FUZZ_DIR ${CMAKE_SOURCE_DIR}/fuzz)

if(FUZZ)
    if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "FUZZ=ON needs clang: -DCMAKE_C_COMPILER=clang "
            "(scripts/install-deps.sh fuzz installs it)")
    endif()
    # The parser is compiled into the target itself so that libFuzzer's
    # coverage instrumentation sees it (overhead_lib is not instrumented).
    add_executable(fuzz_profile ${OVERHEAD_FUZZ_DIR}/fuzz_profile.c
        ${CMAKE_SOURCE_DIR}/report/profile/profile.c ${CMAKE_SOURCE_DIR}/common/error.c
        ${CMAKE_SOURCE_DIR}/report/util/fileio.c)
    target_include_directories(fuzz_profile PRIVATE ${CMAKE_SOURCE_DIR}/report/profile ${CMAKE_SOURCE_DIR}/report/util
        ${CMAKE_SOURCE_DIR}/common)
    target_link_libraries(fuzz_profile PRIVATE overhead_flags)
    target_compile_options(fuzz_profile PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_profile PRIVATE -fsanitize=fuzzer,address,undefined)
    # The other two drive several layers: instrument every library of the
    # report (this build is for fuzzing only) and link libFuzzer's main.
    target_compile_options(overhead_flags INTERFACE
        -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all)
    target_link_options(overhead_flags INTERFACE -fsanitize=address,undefined)
    foreach(t render analysis runrecord perfscript)
        add_executable(fuzz_${t} ${OVERHEAD_FUZZ_DIR}/fuzz_${t}.c)
        target_link_libraries(fuzz_${t} PRIVATE overhead_lib)
        target_link_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
        target_compile_definitions(fuzz_${t} PRIVATE
            FUZZ_TEMPLATES_DIR="${CMAKE_SOURCE_DIR}/templates"
            FUZZ_DATA_DIR="${CMAKE_SOURCE_DIR}/report/data")
    endforeach()
endif()

overhead_test(fuzz_profile_replay SOURCES ${OVERHEAD_FUZZ_DIR}/fuzz_profile.c
    ${OVERHEAD_FUZZ_DIR}/replay.c LIBS overhead_lib)
target_compile_definitions(fuzz_profile_replay PRIVATE
    FUZZ_CORPUS_DIR="${OVERHEAD_FUZZ_DIR}/corpus")

# The template + render target and the analysis-input targets (issue 14).
foreach(t render analysis runrecord perfscript)
    overhead_test(fuzz_${t}_replay SOURCES ${OVERHEAD_FUZZ_DIR}/fuzz_${t}.c
        ${OVERHEAD_FUZZ_DIR}/replay.c LIBS overhead_lib)
    target_compile_definitions(fuzz_${t}_replay PRIVATE
        FUZZ_CORPUS_DIR="${OVERHEAD_FUZZ_DIR}/corpus-${t}"
        FUZZ_TEMPLATES_DIR="${CMAKE_SOURCE_DIR}/templates"
        FUZZ_DATA_DIR="${CMAKE_SOURCE_DIR}/report/data")
endforeach()
