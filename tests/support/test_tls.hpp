#pragma once

// A throwaway self-signed certificate for TLS tests on 127.0.0.1 (header-only, OpenSSL 3).
//
//   impilo_test::SelfSignedCertificate certificate;   // EC P-256, CN and SAN 127.0.0.1/localhost
//   impilo_test::TestServer server(
//       std::make_unique<httplib::SSLServer>(certificate.certificate(), certificate.key()),
//       "https", setup);
//   options.ca_file = certificate.pem_path();           // trust exactly this certificate
//
// Generated in memory at test time (no key material in the repository); the PEM copy of the
// certificate (never the key) is written to a temporary file, removed in the destructor.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace impilo_test {

class SelfSignedCertificate {
 public:
  SelfSignedCertificate() {
    key_ = EVP_EC_gen("P-256");
    certificate_ = X509_new();
    if (key_ == nullptr || certificate_ == nullptr) fail("key or certificate allocation");
    X509_set_version(certificate_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate_), 1);
    X509_gmtime_adj(X509_getm_notBefore(certificate_), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate_), 24L * 3600L);
    X509_set_pubkey(certificate_, key_);
    X509_NAME* name = X509_get_subject_name(certificate_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(certificate_, name);
    add_extension(NID_basic_constraints, "critical,CA:TRUE");
    add_extension(NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    if (X509_sign(certificate_, key_, EVP_sha256()) == 0) fail("signing");

    char path[] = "/tmp/impilo-test-ca-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) fail("mkstemp");
    pem_path_ = path;
    FILE* file = ::fdopen(fd, "w");
    if (file == nullptr) {
      ::close(fd);
      fail("fdopen");
    }
    const int written = PEM_write_X509(file, certificate_);
    std::fclose(file);
    if (written != 1) fail("PEM_write_X509");
  }

  SelfSignedCertificate(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;
  SelfSignedCertificate(SelfSignedCertificate&&) = delete;
  SelfSignedCertificate& operator=(SelfSignedCertificate&&) = delete;

  ~SelfSignedCertificate() { release(); }

  /// The certificate (owned here; cpp-httplib's SSLServer takes its own reference).
  [[nodiscard]] X509* certificate() const { return certificate_; }
  /// The private key (owned here).
  [[nodiscard]] EVP_PKEY* key() const { return key_; }
  /// A PEM file holding the certificate, for `CurlTransportOptions::ca_file`.
  [[nodiscard]] const std::string& pem_path() const { return pem_path_; }

 private:
  void add_extension(int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate_, certificate_, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr) fail("extension");
    X509_add_ext(certificate_, extension, -1);
    X509_EXTENSION_free(extension);
  }

  [[noreturn]] void fail(const char* what) {
    release();
    throw std::runtime_error(std::string("SelfSignedCertificate: ") + what + " failed");
  }

  void release() {
    if (!pem_path_.empty()) std::remove(pem_path_.c_str());
    pem_path_.clear();
    X509_free(certificate_);
    certificate_ = nullptr;
    EVP_PKEY_free(key_);
    key_ = nullptr;
  }

  EVP_PKEY* key_ = nullptr;
  X509* certificate_ = nullptr;
  std::string pem_path_;
};

/// A certificate authority made at test time, and server certificates it signs.
///
///   impilo_test::TestCertificateAuthority ca;               // "impilo test CA", EC P-256
///   auto leaf = ca.issue("IP:127.0.0.1,DNS:localhost");     // a server certificate for those
///   names httplib::SSLServer server(leaf.certificate(), leaf.key()); options.ca_file =
///   ca.pem_path();                        // trust the CA, not the leaf
class TestCertificateAuthority {
 public:
  /// A server certificate and its key, owned here (cpp-httplib takes its own references).
  class Leaf {
   public:
    Leaf(X509* certificate, EVP_PKEY* key) : certificate_(certificate), key_(key) {}
    Leaf(const Leaf&) = delete;
    Leaf& operator=(const Leaf&) = delete;
    Leaf(Leaf&& other) noexcept : certificate_(other.certificate_), key_(other.key_) {
      other.certificate_ = nullptr;
      other.key_ = nullptr;
    }
    Leaf& operator=(Leaf&&) = delete;
    ~Leaf() {
      X509_free(certificate_);
      EVP_PKEY_free(key_);
    }
    [[nodiscard]] X509* certificate() const { return certificate_; }
    [[nodiscard]] EVP_PKEY* key() const { return key_; }

   private:
    X509* certificate_;
    EVP_PKEY* key_;
  };

  /// The CA certificate is self-signed; only it is written (as PEM) to `pem_path()`.
  TestCertificateAuthority() : authority_() {}

  /// A certificate for @p subject_alt_names (`IP:127.0.0.1,DNS:localhost`), signed by this CA.
  [[nodiscard]] Leaf issue(const char* subject_alt_names) const {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* certificate = X509_new();
    if (key == nullptr || certificate == nullptr) {
      X509_free(certificate);
      EVP_PKEY_free(key);
      throw std::runtime_error("TestCertificateAuthority: allocation failed");
    }
    Leaf leaf(certificate, key);
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), ++serial_);
    X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
    X509_gmtime_adj(X509_getm_notAfter(certificate), 24L * 3600L);
    X509_set_pubkey(certificate, key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate), "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("impilo test server"), -1, -1,
                               0);
    X509_set_issuer_name(certificate, X509_get_subject_name(authority_.certificate()));
    add_leaf_extension(certificate, NID_basic_constraints, "critical,CA:FALSE");
    add_leaf_extension(certificate, NID_ext_key_usage, "serverAuth");
    add_leaf_extension(certificate, NID_subject_alt_name, subject_alt_names);
    if (X509_sign(certificate, authority_.key(), EVP_sha256()) == 0) {
      throw std::runtime_error("TestCertificateAuthority: signing failed");
    }
    return leaf;
  }

  /// A PEM file holding the CA certificate, for `CurlTransportOptions::ca_file`.
  [[nodiscard]] const std::string& pem_path() const { return authority_.pem_path(); }

 private:
  void add_leaf_extension(X509* certificate, int nid, const char* value) const {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, authority_.certificate(), certificate, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    if (extension == nullptr)
      throw std::runtime_error("TestCertificateAuthority: extension failed");
    X509_add_ext(certificate, extension, -1);
    X509_EXTENSION_free(extension);
  }

  SelfSignedCertificate authority_;  // CA:TRUE, self-signed: a root
  mutable long serial_{1};
};

}  // namespace impilo_test
