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

}  // namespace impilo_test
