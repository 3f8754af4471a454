// vm-image, online: a Debian guest booted under QEMU (KVM) is changed over SSH
// while a writer keeps writing inside it, and each tool backs up its disk image
// with the recipe's hooks: before = freeze the guest's filesystems through the
// guest agent (the suite notes the disk's SHA-256 at that moment), finally =
// thaw. vykar (and rustic) run the hooks themselves; for the others the suite
// runs them around the backup with vykar's semantics.
// Verdicts: the freeze held (the before hook ran, the guest is thawed and
// writes again afterwards), the second backup deduplicates, the restored disk
// has the SHA-256 of the frozen moment, is a clean ext4 (e2fsck -fn), and holds
// the files written over SSH (never synced: the freeze had to flush them).
// Without a usable KVM the scenario is not run (it says why); under TCG it
// runs in the full profile only.
#include "Hooks.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "backends/Backend.hpp"
#include "services/QemuGuest.hpp"
#include "text/Text.hpp"
#include "tools/Drivers.hpp"
#include "tree/Digest.hpp"

#include <fstream>
#include <gtest/gtest.h>

using namespace e2e;

namespace {

struct OnlinePlan {
    std::uint64_t raw_bytes;
    int phase1_mib, phase2_mib;  // random data written over SSH before each backup
};

OnlinePlan plan() {
    switch (Settings::get().profile) {
        case Profile::Ci:
            return {2ull << 30, 32, 8};
        case Profile::Standard:
            return {4ull << 30, 256, 32};
        case Profile::Full:
            return {8ull << 30, 1024, 128};
    }
    return {2ull << 30, 32, 8};
}

std::string readFirstWord(const fs::path& p) {
    std::ifstream in(p);
    std::string w;
    in >> w;
    return w;
}

// Everything the steps of one online run share.
struct OnlineRun {
    OnlineRun(Workspace& w, Verdicts& verdicts, const std::string& tool_name, ToolOnBackend& t)
        : ws(w),
          v(verdicts),
          name(tool_name),
          backend(t.backend.get()),
          tool(t.tool.get()),
          caps(tool->capabilities()),
          vmdir(ws.work() / "vm"),
          disk(vmdir / "disk.raw") {}
    Workspace& ws;
    Verdicts& v;
    const std::string& name;
    Backend* backend;
    BackupTool* tool;
    const Capabilities caps;
    const fs::path vmdir, disk;
    std::unique_ptr<QemuGuest> vm;
    // data written over SSH and never synced: only the freeze puts it on the disk
    std::map<std::string, std::string> written;  // guest path -> SHA-256 the guest computed
};

bool guestImageLayer(Verdicts& v, Workspace& ws, const OnlinePlan& p, BootableGuest& g) {
    return v.layer("guest-image", [&] {
        g = bootableGuest({ws.config().runtime_dir, ws.config().fs_device}, p.raw_bytes);
        ws.report().set("guest", {{"raw_image_bytes", g.raw_bytes},
                                  {"kernel", g.kernel_release},
                                  {"packages", g.packages},
                                  {"build_seconds", g.build_s},
                                  {"cache", g.cache.string()},
                                  {"allocated_bytes", allocatedBytes(g.image)}});
        return "Debian guest, kernel " + g.kernel_release + ", " + humanBytes(allocatedBytes(g.image)) +
               " allocated of " + humanBytes(g.raw_bytes) +
               (g.build_s > 0 ? " (built in " + std::to_string(int(g.build_s)) + " s)" : " (cached)");
    });
}

void bootLayer(OnlineRun& r, const BootableGuest& g, Accel accel) {
    Workspace& ws = r.ws;
    r.v.layer("boot", [&] {
        runOrThrow(Command{.argv = {"cp", "--sparse=always", g.image.string(), r.disk.string()}}, "copy-guest-disk",
                   ws.logs(), std::chrono::minutes(15));
        r.vm = std::make_unique<QemuGuest>(ws.work() / "qemu", ws.logs(), g, r.disk, accel);
        r.vm->start();
        ws.report().set(
            "vm",
            {{"accel", toString(accel)}, {"boot_seconds", r.vm->startupSeconds()}, {"describe", r.vm->describe()}});
        return r.vm->describe() + "; ssh and the guest agent answered " + std::to_string(r.vm->startupSeconds()) +
               " s after start";
    });
}

std::string writeInGuest(OnlineRun& r, const std::string& file, int mib) {
    const std::string path = "/var/lib/e2e/" + file;
    Result res = r.vm->ssh("mkdir -p /var/lib/e2e && head -c " + std::to_string(mib) + "M /dev/urandom > " + path +
                               " && sha256sum " + path,
                           "ssh-write-" + file, std::chrono::seconds(600));
    if (!res.ok())
        throw VerdictFailure("writing " + path + " in the guest failed: " + res.describe() + "\n" + res.tail());
    r.written[path] = res.out.substr(0, 64);
    return path + " (" + std::to_string(mib) + " MiB, sha256 " + r.written[path].substr(0, 12) + "...)";
}

void phase1Layer(OnlineRun& r, int mib) {
    r.v.layer("phase1-ssh", [&] {
        std::string d = writeInGuest(r, "phase1.bin", mib);
        // a writer that keeps changing files: while the guest is frozen it must block
        Result res = r.vm->ssh(
            "setsid sh -c 'n=0; while :; do n=$((n+1)); echo $n > /var/lib/e2e/tick; "
            "head -c 65536 /dev/urandom > /var/lib/e2e/w$((n % 8)); sleep 0.05; done' </dev/null >/dev/null 2>&1 &",
            "ssh-start-writer");
        if (!res.ok())
            throw VerdictFailure("starting the writer in the guest failed: " + res.describe() + "\n" + res.tail());
        return "wrote " + d + " (no sync); a writer rewrites files every 50 ms";
    });
}

// freeze flushes the guest's dirty data first: give it time under emulation
const std::string kFreezeDeadline = " 120";

// After backup n: the finally hook thawed the guest, and it writes again.
std::string checkThawed(OnlineRun& r, int n) {
    std::string status = r.vm->agent().freezeStatus();
    if (status != "thawed")
        throw VerdictFailure("after the backup the guest's filesystems are " + status +
                             ": the finally hook did not thaw them");
    // the writer's tick must move on within 10 s, and a sync must go through
    Result res = r.vm->ssh(
        "t0=$(cat /var/lib/e2e/tick); i=0; while [ $i -lt 20 ]; do sleep 0.5; t1=$(cat /var/lib/e2e/tick); "
        "if [ -n \"$t0\" ] && [ -n \"$t1\" ] && [ \"$t1\" -gt \"$t0\" ]; then echo \"$t0 $t1\"; sync; exit 0; "
        "fi; "
        "[ -n \"$t0\" ] || t0=$t1; i=$((i+1)); done; echo \"the writer's tick stays at $t0\" >&2; exit 1",
        "ssh-after-thaw-" + std::to_string(n), std::chrono::seconds(60));
    if (!res.ok())
        throw VerdictFailure("the guest does not write again after the thaw: " + res.describe() + "\n" + res.tail());
    return "thawed; the writer goes on (tick " + res.out.substr(0, res.out.find('\n')) + ")";
}

// Backup n between a freeze (the before hook notes the disk's SHA-256) and a thaw; returns where that note is.
fs::path frozenBackup(OnlineRun& r, const std::string& agent, int n, std::uint64_t& after, std::string* id_out) {
    Workspace& ws = r.ws;
    const fs::path ref = ws.work() / ("frozen-" + std::to_string(n) + ".sha256");
    r.v.layer("backup-" + std::to_string(n), [&] {
        HookSet h;
        h.before = agent + " freeze" + kFreezeDeadline + " && sha256sum " + shellQuote(r.disk.string()) + " > " +
                   shellQuote(ref.string());
        h.finally = agent + " thaw" + kFreezeDeadline;
        HookedBackup b = backupWithRecipeHooks(ws, *r.tool, r.caps, r.vmdir, h, "vm-online");
        if (id_out) *id_out = b.id;
        after = r.backend->usedBytes();
        return "snapshot " + b.id +
               (b.native ? " (" + r.name + " ran the hooks)" : " (the suite ran the hooks around " + r.name + ")") +
               "; repository " + humanBytes(after);
    });
    r.v.layer("frozen-" + std::to_string(n), [&] {
        if (readFirstWord(ref).size() != 64)
            throw VerdictFailure("no SHA-256 of the frozen disk: the before hook did not run, or the freeze failed");
        return "the before hook froze the guest; disk SHA-256 at that moment " + readFirstWord(ref);
    });
    r.v.layer("thawed-" + std::to_string(n), [&] { return checkThawed(r, n); });
    return ref;
}

// Each file written over SSH, dumped from the restored disk, has the SHA-256 the guest computed.
std::string checkGuestFiles(OnlineRun& r, const fs::path& out) {
    Workspace& ws = r.ws;
    std::string d;
    for (const auto& [path, sum] : r.written) {
        const fs::path copy = ws.work() / fs::path(path).filename();
        Result res =
            run(Command{.argv = {"debugfs", "-R", "dump " + path + " " + copy.string(), (out / "disk.raw").string()},
                        .clean_env = true,
                        .log_dir = ws.logs(),
                        .log_name = "debugfs-" + copy.filename().string()});
        if (!res.ok() || !fs::exists(copy)) throw VerdictFailure(path + " is not in the restored disk: " + res.tail());
        if (std::string got = sha256File(copy); got != sum)
            throw VerdictFailure(path + " in the restored disk has SHA-256 " + got + ", the guest wrote " + sum);
        fs::remove(copy);
        d += (d.empty() ? "" : ", ") + path;
    }
    return d + ": the guest's SHA-256";
}

// Restore the second snapshot to `out`: the frozen moment's SHA-256, a clean ext4, the guest's files.
void restoreLayers(OnlineRun& r, const std::string& id2, const fs::path& ref2, const fs::path& out) {
    Workspace& ws = r.ws;
    r.v.layer("restore-sha256", [&] {
        r.tool->restore(id2, out);
        std::string got = sha256File(out / "disk.raw"), want = readFirstWord(ref2);
        if (got != want)
            throw VerdictFailure("restored disk SHA-256 " + got + " differs from the disk at the frozen moment " +
                                 want);
        return "restored disk SHA-256 equals the disk at the frozen moment (" + got + ")";
    });
    r.v.layer("fsck", [&] {
        Result res = run(Command{.argv = {"e2fsck", "-fn", (out / "disk.raw").string()},
                                 .clean_env = true,
                                 .log_dir = ws.logs(),
                                 .log_name = "e2fsck"});
        if (!res.ok())
            throw VerdictFailure("e2fsck -fn finds the restored disk inconsistent (" + res.describe() + "):\n" +
                                 res.tail(15));
        return "e2fsck -fn: clean (" + res.out.substr(res.out.rfind('\n', res.out.size() - 2) + 1, 120) + ")";
    });
    r.v.layer("guest-files", [&] { return checkGuestFiles(r, out); });
}

class VmOnline : public ScenarioTestP<std::string> {
protected:
    VmOnline() : ScenarioTestP("filesystems") {}
};

TEST_P(VmOnline, FreezeThawHooks) {
    const std::string name = GetParam();
    ToolOnBackend t;
    if (!prepare(t, name)) return;
    Workspace& ws = this->ws();

    const OnlinePlan p = plan();
    Verdicts v(ws);
    BootableGuest g;
    if (!guestImageLayer(v, ws, p, g)) return;
    const Config& cfg = ws.config();
    const AccelPolicy policy{cfg.vm_accel, cfg.profile == Profile::Full, cfg.runtime_dir / "cache"};
    const AccelChoice ac = chooseAccel(g.kernel, policy);
    if (!ac.accel) return endAs(ac.fail ? Status::Fail : Status::Skipped, ac.why);
    const Accel accel = *ac.accel;
    ws.report().note("accelerator: " + toString(accel) + " (" + ac.why + ")");

    OnlineRun r(ws, v, name, t);
    fs::create_directories(r.vmdir);
    bootLayer(r, g, accel);
    phase1Layer(r, p.phase1_mib);
    v.layer("init", [&] {
        r.tool->init(RepoOptions{});
        return std::string();
    });

    const std::string agent =
        shellQuote(E2E_GUEST_AGENT_BIN) + " " + shellQuote(r.vm ? r.vm->agentSocket().string() : "");
    std::uint64_t before = r.backend->usedBytes(), after1 = 0, after2 = 0;
    std::string id2;
    frozenBackup(r, agent, 1, after1, nullptr);
    v.layer("phase2-ssh", [&] { return "wrote " + writeInGuest(r, "phase2.bin", p.phase2_mib) + " (no sync)"; });
    const fs::path ref2 = frozenBackup(r, agent, 2, after2, &id2);

    v.layer("dedup", [&] {
        return imageDedupVerdict(ws, r.caps, before, after1, after2, p.raw_bytes,
                                 std::to_string(p.phase2_mib) + " MiB written between them");
    });
    r.vm.reset();  // the guest's work is done: stop it before reading the restore
    const fs::path out = ws.work() / "restore";
    restoreLayers(r, id2, ref2, out);
    fs::remove_all(out);
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

INSTANTIATE_TEST_SUITE_P(Vm, VmOnline, ::testing::ValuesIn(knownTools()), [](const auto& p) { return p.param; });

}  // namespace
