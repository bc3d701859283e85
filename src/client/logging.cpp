#include "logging.hpp"

namespace impilo::detail {

ClientLog::ClientLog(Logger logger, LogLevel level, const SecretRegistry& secrets)
    : logger_(std::move(logger)), level_(level), secrets_(secrets) {}

bool ClientLog::enabled(LogLevel level) const {
  return logger_ && level >= level_;
}

void ClientLog::write(LogLevel level, std::string line) const {
  logger_(level, secrets_.redact(std::move(line)));
}

std::string ClientLog::redact_body(std::string body) const {
  return secrets_.redact_body(std::move(body));
}

}  // namespace impilo::detail
