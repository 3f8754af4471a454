// The suite must catch a tool that lies. Each case wraps a real tool in a
// deliberately faulty script and runs the local round trip through it; the
// test passes only when the scenario fails at the one layer whose check the
// fault defeats (report.expectFault): remove that check and this test fails.
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "backends/Backend.hpp"
#include "config/Settings.hpp"
#include "text/Text.hpp"
#include "tools/Drivers.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct Fault {
    std::string tool;
    std::string name;       // test name suffix
    std::string script;     // body run after `real` is set; "$@" are the tool's args
    std::string caught_by;  // the layer that must catch it
    std::string backend = "local";
    std::string
        variant{};  // a named tool variant (vykar: threads1, so that its known finding does not stop the run first)
};

// After a restore, $dir is where it went: restic names it with --target, borg
// extracts into $PWD, vykar, rustic and kopia take it as the last plain argument.
const std::string kAfterRestore = R"SH(
"$real" "$@"; rc=$?
restored=""
case " $* " in *" restore "*|*" extract "*) restored=yes ;; esac
dir=$PWD; prev=""; last=""
for a in "$@"; do [ "$prev" = "--target" ] && dir=$a; prev=$a; case $a in -*) ;; *) last=$a ;; esac; done
case " $* " in *" --target "*|*" extract "*) ;; *) [ -n "$restored" ] && dir=$last ;; esac
)SH";

// One byte of one restored file changed; size and mtime (to the nanosecond) kept.
const std::string kDamageKeepsMtime = kAfterRestore + R"SH(
if [ -n "$restored" ]; then
  f=$(find "$dir" -type f -size +1k | LC_ALL=C sort | head -n 1)
  if [ -n "$f" ]; then
    t=$(stat -c %y "$f")
    b=$(dd if="$f" bs=1 skip=100 count=1 status=none | od -An -tu1 | tr -d ' ')
    printf "\\$(printf %o $(( (b + 1) % 256 )))" | dd of="$f" bs=1 seek=100 conv=notrunc status=none
    touch -d "$t" "$f"
  fi
fi
exit $rc
)SH";

const std::string kDropFile = kAfterRestore + R"SH(
if [ -n "$restored" ]; then
  f=$(find "$dir" -type f -name 'note-*' | LC_ALL=C sort | head -n 1)
  [ -n "$f" ] && rm -f "$f"
fi
exit $rc
)SH";

// Every restored entry keeps its mtime to the second only.
const std::string kLoseSubsecond = kAfterRestore + R"SH(
if [ -n "$restored" ]; then
  find "$dir" -mindepth 1 -depth -print0 | while IFS= read -r -d '' p; do touch -h -d "@$(stat -c %Y "$p")" "$p"; done
fi
exit $rc
)SH";

// Every user.* extended attribute of the restore removed (the mtime stays).
const std::string kLoseXattrs = kAfterRestore + R"SH(
if [ -n "$restored" ]; then
  find "$dir" -mindepth 1 -print0 | while IFS= read -r -d '' p; do
    getfattr --absolute-names -h -m '^user\.' "$p" 2>/dev/null | grep '^user\.' |
      while IFS= read -r a; do setfattr -h -x "$a" "$p"; done
  done
fi
exit $rc
)SH";

// The corpus's shapes mangled as a tool that does not keep them would: the
// 255-byte name cut by a byte, the NFD name normalized to NFC (over its NFC
// twin), and the case pair folded into one name.
const std::string kCutsLongName = kAfterRestore + R"SH(
[ -n "$restored" ] && find "$dir" -name 'long-name-*' | while IFS= read -r f; do mv "$f" "${f%?}"; done
exit $rc
)SH";
const std::string kNormalizesNames = kAfterRestore + R"SH(
nfd=$(printf 'e\314\201'); nfc=$(printf '\303\251')
[ -n "$restored" ] && LC_ALL=C find "$dir" -name "*$nfd*" |
  while IFS= read -r f; do LC_ALL=C mv -f "$f" "${f//$nfd/$nfc}"; done
exit $rc
)SH";
const std::string kFoldsCase = kAfterRestore + R"SH(
[ -n "$restored" ] && find "$dir" -name README | while IFS= read -r f; do mv -f "$f" "${f%README}Readme"; done
exit $rc
)SH";

const std::string kFalseSuccess = R"SH(
case " $* " in
  *" backup "*|*" create "*)
    # fail for real (wrong passphrase), then claim success
    RESTIC_PASSWORD=wrong-$$ BORG_PASSPHRASE=wrong-$$ "$real" "$@" >/dev/null 2>&1; exit 0 ;;
esac
exec "$real" "$@"
)SH";

// A real backup, reported under an invented id of the right shape.
const std::string kInventedId = R"SH(
case " $* " in *" backup "*)
  out=$("$real" "$@"); rc=$?
  fake=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$out" | sed -E "s/\"snapshot_id\":\"[0-9a-f]+\"/\"snapshot_id\":\"$fake\"/"
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

// The snapshot's listing leaves out one entry (the data is all there).
const std::string kListingDropsEntry = R"SH(
case " $* " in *" ls "*)
  "$real" "$@" | awk '/"struct_type":"node"/ && /note-/ && !d { d = 1; next } { print }'; exit "${PIPESTATUS[0]}" ;;
esac
exec "$real" "$@"
)SH";

// The snapshot's listing shows one entry more than the snapshot holds (an invented file).
const std::string kListingInventsEntry = R"SH(
case " $* " in *" ls "*)
  "$real" "$@"; rc=$?
  printf '%s' '{"name":"invented.txt","type":"file","path":"/docs/invented.txt","size":7,'
  printf '%s\n' '"mode":420,"struct_type":"node","message_type":"node"}'
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

// Every backup after the first stores all its data again (a copy of every pack).
const std::string kStoresEverythingAgain = R"SH(
case " $* " in *" backup "*)
  "$real" "$@"; rc=$?
  if [ -f "$HOME/.e2e-backed-up" ]; then
    find "$RESTIC_REPOSITORY/data" -type f ! -name '*.again' -exec sh -c 'cp "$1" "$1.again"' _ {} \;
  fi
  touch "$HOME/.e2e-backed-up"
  exit $rc ;;
esac
exec "$real" "$@"
)SH";

// forget and prune say ok and do nothing
const std::string kForgetsNothing = "case \" $* \" in *\" forget \"*) exit 0 ;; esac\nexec \"$real\" \"$@\"\n";
const std::string kReclaimsNothing = "case \" $* \" in *\" prune \"*) exit 0 ;; esac\nexec \"$real\" \"$@\"\n";

void PrintTo(const Fault& f, std::ostream* os) {
    *os << f.tool << "/" << f.name << "/" << f.backend;
}

class FaultyTool : public ScenarioTestP<Fault> {
protected:
    FaultyTool() : ScenarioTestP("selftest") {}
};

TEST_P(FaultyTool, ScenarioFails) {
    const Fault& f = GetParam();
    ws().report().expectFault(f.tool + " " + f.name + (f.backend == "local" ? "" : " on " + f.backend), f.caught_by);
    PreludeOptions po;
    po.backend = f.backend;
    po.variant = f.variant;
    po.wrap = [&](const fs::path& real) { return writeFaultyWrapper(ws().work(), f.tool, real, f.name, f.script); };
    ToolOnBackend t;
    if (!prepare(t, f.tool, po)) return;
    RoundTripOptions opt;
    opt.backend = f.backend;
    opt.repo_bytes = [&] { return t.backend->usedBytes(); };
    opt.repo_dir = t.backend->target().local_dir;
    runRoundTrip(ws(), *t.tool, opt);
}

INSTANTIATE_TEST_SUITE_P(
    Selftest, FaultyTool,
    ::testing::Values(Fault{"restic", "damaged_restore", kDamageKeepsMtime, "compare"},
                      Fault{"borg", "damaged_restore", kDamageKeepsMtime, "compare"},
                      Fault{"vykar", "damaged_restore", kDamageKeepsMtime, "compare", "local", "threads1"},
                      Fault{"restic", "false_success", kFalseSuccess, "backup"},
                      Fault{"borg", "false_success", kFalseSuccess, "listed"},
                      Fault{"restic", "invented_snapshot_id", kInventedId, "listed"},
                      Fault{"restic", "listing_drops_entry", kListingDropsEntry, "files"},
                      Fault{"restic", "listing_invents_entry", kListingInventsEntry, "files"},
                      Fault{"restic", "loses_subsecond_mtime", kLoseSubsecond, "compare"},
                      Fault{"restic", "loses_xattrs", kLoseXattrs, "compare"},
                      Fault{"restic", "cuts_long_name", kCutsLongName, "compare"},
                      Fault{"restic", "normalizes_names", kNormalizesNames, "compare"},
                      Fault{"restic", "folds_case", kFoldsCase, "compare"},
                      Fault{"restic", "stores_everything_again", kStoresEverythingAgain, "dedup"},
                      Fault{"restic", "forgets_nothing", kForgetsNothing, "forget"},
                      Fault{"restic", "reclaims_nothing", kReclaimsNothing, "reclaim"},
                      // a declared tolerance (kopia: hardlinks, FIFOs) must not hide a dropped file
                      Fault{"kopia", "dropped_file", kDropFile, "compare"},
                      // a silently dropped file is caught on every backend
                      Fault{"restic", "dropped_file", kDropFile, "compare", "local"},
                      Fault{"restic", "dropped_file", kDropFile, "compare", "rest"},
                      Fault{"restic", "dropped_file", kDropFile, "compare", "s3"},
                      Fault{"restic", "dropped_file", kDropFile, "compare", "sftp"}),
    [](const auto& p) {
        return p.param.tool + "_" + p.param.name + (p.param.backend == "local" ? "" : "_" + p.param.backend);
    });

// A managed server that dies and is not restarted: the scenario fails with a
// clear reason within its deadline; it does not hang.
class ServerGone : public ScenarioTest {
protected:
    ServerGone() : ScenarioTest("selftest") {}
};

TEST_F(ServerGone, BackupFailsCleanlyWhenTheServerIsKilled) {
    PreludeOptions po;
    po.backend = "rest";
    ToolOnBackend t;
    if (!prepare(t, "restic", po)) return;
    ToolContext ctx = ws().toolContext("restic");
    ctx.timeout = ctx.transfer_timeout = std::chrono::seconds(45);  // restic retries a dead backend for minutes
    auto tool = makeTool("restic", t.binary.string(), ctx, t.backend->target());
    Verdicts v(ws());
    v.layer("init", [&] {
        tool->init(RepoOptions{});
        return std::string();
    });
    fs::create_directories(ws().work() / "src");
    std::ofstream(ws().work() / "src" / "f") << "data";
    v.layer("backup-fails", [&] {
        t.backend->server()->kill();
        auto t0 = std::chrono::steady_clock::now();
        try {
            tool->backup(ws().work() / "src", "gone");
        } catch (const ToolError& e) {
            // restic 0.18 retries a refused connection with backoff for minutes (documented): the
            // suite's deadline must end it, and what the run shows must name the cause
            double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (took > 60.0)
                throw VerdictFailure("the failure took " + std::to_string(took) +
                                     " s, past the 45 s deadline: " + e.what());
            const std::string why =
                matchingLine(e.result().out + "\n" + e.result().err, R"(connection refused|dial tcp)");
            if (why.empty())
                throw VerdictFailure(std::string("the failure does not name the dead server:\n") + e.what());
            return std::string(e.timedOut() ? "the suite's 45 s deadline ended restic's retries"
                                            : "restic gave up by itself") +
                   " after " + std::to_string(took) + " s; the cause shown: " + why;
        }
        throw VerdictFailure("backup succeeded against a killed server");
    });
}

}  // namespace
