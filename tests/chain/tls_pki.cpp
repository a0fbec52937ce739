#include "tls_pki.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace wavs::chain::testing {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

[[noreturn]] void die(const std::string& what) { throw std::runtime_error("test PKI: " + what); }

Pkey make_key() {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) die("EC P-256 key generation failed");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) die("extension " + std::string(OBJ_nid2sn(nid)) + " = " + value);
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  if (!ok) die("cannot add extension " + value);
}

// `issuer`/`issuer_key` null: self-signed.
Cert make_cert(const std::string& common_name, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
               const std::string& subject_alt_name, bool expired = false) {
  Cert cert(X509_new());
  if (!cert) die("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) die("RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  if (bn == nullptr || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) == nullptr) die("serial");
  BN_free(bn);
  // A minute of slack for clock differences; a day is longer than any test run.
  constexpr long kDay = 24 * 3600;
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), expired ? -2 * kDay : -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), expired ? -kDay : kDay);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("wavs tests"),
                             -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  if (X509_set_pubkey(cert.get(), key) != 1) die("X509_set_pubkey");
  add_ext(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer == nullptr) {
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
    add_ext(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_ext(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    add_ext(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_ext(cert.get(), signer, NID_subject_alt_name, subject_alt_name);
  }
  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) die("X509_sign");
  return cert;
}

std::unique_ptr<std::FILE, FileClose> open_for_write(const std::filesystem::path& path) {
  std::unique_ptr<std::FILE, FileClose> f(std::fopen(path.c_str(), "wb"));
  if (!f) die("cannot write " + path.string());
  return f;
}

void write_cert(const std::filesystem::path& path, X509* cert) {
  auto f = open_for_write(path);
  if (PEM_write_X509(f.get(), cert) != 1) die("PEM_write_X509 " + path.string());
}

void write_key(const std::filesystem::path& path, EVP_PKEY* key) {
  auto f = open_for_write(path);
  if (PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    die("PEM_write_PrivateKey " + path.string());
  }
}

}  // namespace

struct TestPki::Impl {
  std::filesystem::path dir;
  Pkey ca_key;
  Cert ca_cert;
};

TestPki::TestPki() : impl_(std::make_unique<Impl>()) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "wavs-tls-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
  impl_->dir = tmpl;
  impl_->ca_key = make_key();
  impl_->ca_cert = make_cert("wavs test CA", impl_->ca_key.get(), nullptr, nullptr, "");
  ca_file_ = (impl_->dir / "ca.pem").string();
  write_cert(ca_file_, impl_->ca_cert.get());
  server_ = issue("server", {"localhost"}, {"127.0.0.1", "::1"});
}

TestPki::~TestPki() {
  std::error_code ec;
  std::filesystem::remove_all(impl_->dir, ec);
}

TlsIdentity TestPki::issue(const std::string& name, const std::vector<std::string>& dns_names,
                           const std::vector<std::string>& ip_addresses, bool expired) const {
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "" : ",") + std::string("IP:") + ip;
  if (san.empty()) die("a server certificate needs a subjectAltName");
  Pkey key = make_key();
  Cert cert = make_cert(name, key.get(), impl_->ca_cert.get(), impl_->ca_key.get(), san, expired);
  TlsIdentity id;
  id.cert_file = (impl_->dir / (name + ".pem")).string();
  id.key_file = (impl_->dir / (name + ".key")).string();
  write_cert(id.cert_file, cert.get());
  write_key(id.key_file, key.get());
  return id;
}

}  // namespace wavs::chain::testing
