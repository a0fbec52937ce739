# Helpers that keep every module's CMakeLists.txt short and uniform.

# Flags for project code only (third-party headers are included as SYSTEM).
function(wavs_project_flags target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports std::string concatenation as overlapping memcpy (GCC bug 105651).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(WAVS_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(WAVS_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=address,undefined)
elseif(WAVS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# wavs_add_library(<module> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
# Creates target wavs_<module> (alias wavs::<module>); headers are included as
# "<module>/header.hpp" from src/.
function(wavs_add_library module)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(wavs_${module} STATIC ${ARG_SOURCES})
  add_library(wavs::${module} ALIAS wavs_${module})
  target_include_directories(wavs_${module} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(wavs_${module} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  wavs_project_flags(wavs_${module})
endfunction()

# wavs_add_test(<name> SOURCES ... [DEPS ...] [LABELS ...] [TIMEOUT s])
# One GoogleTest binary = one ctest entry, labelled so subsets can run (ctest -L unit).
function(wavs_add_test name)
  if(NOT WAVS_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  wavs_project_flags(${name})
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "WAVS_SOURCE_DIR=${PROJECT_SOURCE_DIR};WAVS_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# wavs_add_process_test(<name> ...): a wavs_add_test that runs the `wavs` binary and the
# example components against the forge-built contracts: WAVS_EXE and WAVS_EXAMPLES_DIR
# defined, both built first, and the contracts_out lock shared with every test that may
# build contracts/out.
function(wavs_add_process_test name)
  wavs_add_test(${name} ${ARGN})
  if(NOT TARGET ${name})
    return()
  endif()
  target_compile_definitions(${name} PRIVATE
    WAVS_EXE="$<TARGET_FILE:wavs>"
    WAVS_EXAMPLES_DIR="${CMAKE_BINARY_DIR}/examples")
  add_dependencies(${name} wavs)
  set_tests_properties(${name} PROPERTIES RESOURCE_LOCK contracts_out)
  if(EXISTS ${PROJECT_SOURCE_DIR}/examples/CMakeLists.txt)  # defined later in the tree
    add_dependencies(${name} example_components)
  endif()
endfunction()

# wavs_add_bench(<name> SOURCES ... [DEPS ...]) — Google Benchmark binaries, never run by ctest.
function(wavs_add_bench name)
  if(NOT WAVS_BUILD_BENCH)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
  wavs_project_flags(${name})
endfunction()

# wavs_add_fuzzer(<name> SOURCES ... [DEPS ...]) — a libFuzzer target (defines
# LLVMFuzzerTestOneInput). Built only in the clang "fuzz" preset (WAVS_FUZZ=ON), where
# every library is instrumented; scripts/fuzz runs each for a bounded time, starting
# from the seed corpus in fuzz/corpus/<name>/ when there is one.
function(wavs_add_fuzzer name)
  if(NOT WAVS_FUZZ)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzzers)
endfunction()

# Compiles C or C++ sources into a wasm32-wasi module with clang-19 / clang++-19
# (COMPILER), against Debian's wasi-libc: -O2 -c, then a link without -O, because
# Debian's clang would otherwise run wasm-opt on the linked module. FLAGS go to the
# compile step; DEPENDS are extra inputs (headers).
#   wavs_wasm_module(OUTPUT dir/name.wasm COMPILER ${clang} SOURCES a.c [CXX] [FLAGS ...] [DEPENDS ...])
function(wavs_wasm_module)
  cmake_parse_arguments(ARG "CXX" "OUTPUT;COMPILER" "SOURCES;FLAGS;DEPENDS" ${ARGN})
  set(sysroot /usr/include/wasm32-wasi)
  if(ARG_CXX)
    set(includes -nostdlibinc -isystem ${sysroot}/c++/v1 -isystem ${sysroot})
  else()
    set(includes -nostdlibinc -isystem ${sysroot})
  endif()
  get_filename_component(dir ${ARG_OUTPUT} DIRECTORY)
  get_filename_component(name ${ARG_OUTPUT} NAME_WE)
  add_custom_command(OUTPUT ${ARG_OUTPUT}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${ARG_COMPILER} --target=wasm32-wasi ${includes} -O2 ${ARG_FLAGS} -c ${ARG_SOURCES} -o ${dir}/${name}.o
    COMMAND ${ARG_COMPILER} --target=wasm32-wasi ${dir}/${name}.o -o ${ARG_OUTPUT}
    DEPENDS ${ARG_SOURCES} ${ARG_DEPENDS} VERBATIM)
endfunction()
