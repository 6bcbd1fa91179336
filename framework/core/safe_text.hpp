#pragma once
// Values from sweep specs end up in file names, in #SBATCH lines and in a
// generated bash script. None may reach a shell unquoted or leave the sweep
// directory: names are checked against a strict character set, sbatch option
// values against theirs (a newline would end the #SBATCH line and start shell
// code), and everything else in a script is single-quoted.
#include <string>

namespace tractable {

// A run or sweep name: [A-Za-z0-9][A-Za-z0-9._-]{0,63} (no '/', so no "../").
// Throws SpecError("<where>: ...").
void check_name(const std::string& value, const std::string& where);

// The character classes allowed in sbatch option values.
enum class SbatchValue {
  word,        // account, partition, qos: [A-Za-z0-9_.+-]
  time,        // [D-]HH:MM:SS and the other Slurm time forms: [0-9:-]
  constraint,  // feature expressions: [A-Za-z0-9_.,:+&|()[]*!-]
  option,      // a whole extra option: --name[=value], value in [A-Za-z0-9_.,:+=@/%-]
};
void check_sbatch_value(const std::string& value, SbatchValue kind, const std::string& where);

// 'text' for bash, with ' written as '\''; safe for any byte string without NUL.
std::string shell_quote(const std::string& text);

}  // namespace tractable
