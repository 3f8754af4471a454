#include "FaultyTool.hpp"

#include "process/Process.hpp"

#include <fstream>

namespace e2e {

std::filesystem::path writeFaultyWrapper(const std::filesystem::path& dir, const std::string& tool,
                                         const std::filesystem::path& real, const std::string& fault,
                                         const std::string& script) {
    const std::filesystem::path wrapper = dir / (tool + "-" + fault);
    std::ofstream(wrapper) << "#!/bin/bash\n# backup-e2e self-test: a deliberately faulty " << tool << " (" << fault
                           << ")\nreal=" << shellQuote(real.string()) << "\n"
                           << script;
    std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                              std::filesystem::perms::group_exec);
    return wrapper;
}

const char* const kTruncateRestoredFiles = R"SH(
"$real" "$@"; rc=$?
case " $* " in *" restore "*) ;; *) exit $rc ;; esac
dir=$PWD; prev=""
for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; done
find "$dir" -type f | while read -r f; do
  half=$(( $(stat -c %s "$f") / 2 ))
  # just after the last line ending a statement (';') before the middle, else the middle
  cut=$(head -c "$half" "$f" | LC_ALL=C awk '{ n += length($0) + 1; if ($0 ~ /;$/) cut = n } END { print cut + 0 }')
  [ "$cut" -gt 0 ] || cut=$half
  truncate -s "$cut" "$f"
done
exit $rc
)SH";

const char* const kThirdBackupFails = R"SH(
case " $* " in *" backup "*)
  n=$(ls "$HOME"/.e2e-backup-* 2>/dev/null | wc -l); touch "$HOME/.e2e-backup-$n"
  if [ "$n" -ge 2 ]; then echo "Fatal: unable to save snapshot" >&2; exit 1; fi ;;
esac
exec "$real" "$@"
)SH";

const char* const kCheckRejects = R"SH(
case " $* " in *" check "*) echo "error: pack 0123abcd: not found" >&2; exit 1 ;; esac
exec "$real" "$@"
)SH";

}  // namespace e2e
