#pragma once
// Whole small files, read and placed. Placing: so that readers see all of it or none of it: the text is
// written to a file of this process's own, then linked (exclusive: fails when
// the name exists; atomic also over NFS, where a lost reply is caught by the
// link count) or renamed (replacing) to its name. Used for run-file locks and
// sweep attempt markers, which other processes read while they are placed.
#include <string>

namespace tractable {

enum class Placed { placed, exists, failed };

// `error` receives errno's text when the result is `failed`.
Placed place_whole_file(const std::string& path, const std::string& text, bool exclusive, std::string* error = nullptr);

// The bytes of `path` into `text`; false (and `text` empty) when it cannot be opened.
bool read_whole_file(const std::string& path, std::string& text);

}  // namespace tractable
