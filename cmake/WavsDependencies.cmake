# Third-party libraries, all from Debian packages that scripts/setup installs.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(tl-expected REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
pkg_check_modules(tomlplusplus REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(secp256k1 REQUIRED IMPORTED_TARGET libsecp256k1)
pkg_check_modules(cryptopp REQUIRED IMPORTED_TARGET libcrypto++)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Boost 1.81 REQUIRED)
# TLS for wss:// subscriptions (Boost.Asio's ssl::stream sits on OpenSSL).
find_package(OpenSSL REQUIRED)
# The node's /metrics: prometheus-cpp's core library only (the registry and the text
# format); the node's own HTTP server serves it.
find_package(prometheus-cpp CONFIG REQUIRED)
# GNU libunistring (NFKD normalisation of BIP-39 passphrases); it ships no CMake or
# pkg-config file.
find_path(UNISTRING_INCLUDE_DIR uninorm.h REQUIRED)
find_library(UNISTRING_LIBRARY unistring REQUIRED)
add_library(unistring::unistring UNKNOWN IMPORTED)
set_target_properties(unistring::unistring PROPERTIES IMPORTED_LOCATION ${UNISTRING_LIBRARY}
                      INTERFACE_INCLUDE_DIRECTORIES ${UNISTRING_INCLUDE_DIR})
if(WAVS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(WAVS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
