#pragma once
// Names are raw bytes; reports and listings are UTF-8 text. One place decides
// what is valid UTF-8 and how the rest is shown; sizes are read and written here too.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace e2e {

// Bad input from the config file or the environment (E2E_*): the message names
// where, the problem and the fix. Here, below config/, so the corpus raises it too.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parse "64MiB", "1G", "4096"; throws std::invalid_argument.
std::uint64_t parseSize(const std::string& s);
// "1.5 GiB", "512 B": binary units, one decimal.
std::string humanBytes(std::uint64_t n);

// Length of the valid UTF-8 sequence starting at raw[i] (1 for ASCII), 0 if invalid.
std::size_t utf8SequenceAt(const std::string& raw, std::size_t i);

// Invalid bytes replaced (U+FFFD by default): how UTF-8-only tools show a name.
std::string lossyUtf8(const std::string& raw, const std::string& replacement = "\xef\xbf\xbd");

// Valid UTF-8 kept, invalid bytes as \xNN: safe for JSON, still readable.
std::string utf8Safe(const std::string& raw);

// Like utf8Safe, and control characters escaped too (\n, \t, \xNN): for one-line messages.
std::string printable(const std::string& raw);

// A double-quoted string that YAML and TOML both read back as `s` (", \ and
// control characters escaped): for hook commands in tool configs.
std::string doubleQuoted(const std::string& s);

// The first line of `text` that matches `pattern` (ECMAScript, case-insensitive),
// trimmed to 300 bytes; "" when none does. Verdicts that read a tool's own words
// use it, so a match names the line it came from.
std::string matchingLine(const std::string& text, const std::string& pattern);

}  // namespace e2e
