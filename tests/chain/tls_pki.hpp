#pragma once
// Test support: a throw-away certificate authority and server certificates, made with
// the OpenSSL C API when a test starts (EC P-256 keys, SHA-256 signatures) and written as
// PEM files to a fresh temp directory, so no test depends on a checked-in key or date.

#include <memory>
#include <string>
#include <vector>

#include "ws_server.hpp"

namespace wavs::chain::testing {

class TestPki {
 public:
  // A self-signed CA and `server`, a certificate it issued for localhost, 127.0.0.1 and
  // ::1. Throws std::runtime_error if OpenSSL fails (test setup only).
  TestPki();
  ~TestPki();  // removes the directory
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  [[nodiscard]] const std::string& ca_file() const { return ca_file_; }
  [[nodiscard]] const TlsIdentity& server() const { return server_; }
  // Another certificate from the same CA, with exactly these subjectAltName entries;
  // `expired`: valid only until yesterday.
  [[nodiscard]] TlsIdentity issue(const std::string& name, const std::vector<std::string>& dns_names,
                                  const std::vector<std::string>& ip_addresses, bool expired = false) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string ca_file_;
  TlsIdentity server_;
};

}  // namespace wavs::chain::testing
