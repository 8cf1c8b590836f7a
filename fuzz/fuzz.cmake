# Fuzzing the profile parser (included from tests/CMakeLists.txt).
#   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DFUZZ=ON
#   build-fuzz/fuzz_profile -max_total_time=600 fuzz/corpus   (new inputs go to corpus)
# Without FUZZ, the corpus (seeds and past crashes) is replayed under ctest.
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
endif()

overhead_test(fuzz_profile_replay SOURCES ${OVERHEAD_FUZZ_DIR}/fuzz_profile.c
    ${OVERHEAD_FUZZ_DIR}/replay.c LIBS overhead_lib)
target_compile_definitions(fuzz_profile_replay PRIVATE
    FUZZ_CORPUS_DIR="${OVERHEAD_FUZZ_DIR}/corpus")
