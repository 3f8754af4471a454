// vm-image: a Debian disk image (raw ext4 on a loop device, behind the safety
// gate) built from a debootstrap tree (scripts/bootstrap caches it) and changed
// offline through a chroot: phase 1 installs a package set, phase 2 a smaller
// one plus random churn files. Each tool backs up the image after phase 1 and
// after phase 2; the second backup must grow the repository far less than the
// image; the latest snapshot restored must have the image's SHA-256.
// The online path (a booted guest, freeze/thaw hooks) is vm_online_test.cpp.
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "backends/Backend.hpp"
#include "storage/GuestImage.hpp"
#include "text/Text.hpp"
#include "tools/Drivers.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace e2e;

namespace {

struct GuestPlan {
    std::uint64_t raw_bytes;
    std::vector<std::string> phase1, phase2;
    std::uint64_t churn_bytes;
};

GuestPlan plan() {
    switch (Settings::get().profile) {
        case Profile::Ci:
            return {2ull << 30, {"python3", "git"}, {"jq"}, 16ull << 20};
        case Profile::Standard:
            return {4ull << 30, {"python3", "git", "build-essential", "vim"}, {"jq", "rsync"}, 128ull << 20};
        case Profile::Full:
            return {8ull << 30,
                    {"python3", "git", "build-essential", "vim", "default-jdk-headless"},
                    {"jq", "rsync", "golang"},
                    512ull << 20};
    }
    return {2ull << 30, {"python3", "git"}, {"jq"}, 16ull << 20};
}

// Built once and kept under <runtime>/cache/vm-image-<key> (ctest runs each
// tool's test in its own process); the key covers the plan and the guest tree.
struct Guest {
    GuestPlan p = plan();
    ImageFacts one, two;
    ImageDelta delta;  // phase 1 -> phase 2
    fs::path dir;
    double build_s = 0;
};

Guest& guest() {
    static Guest g;
    return g;
}

void buildGuest(Guest& g, const BuildSite& site) {
    std::string recipe = "vm-image-5|" + toString(Settings::get().profile) + "|" + std::to_string(g.p.raw_bytes) + "|" +
                         std::to_string(g.p.churn_bytes) + "|" + guestTreeId();
    for (const auto& x : g.p.phase1) recipe += "|1" + x;
    for (const auto& x : g.p.phase2) recipe += "|2" + x;
    CachedBuild cache(site.cacheDir(), "vm-image", recipe);
    const fs::path d = cache.dir(), logs = d / "logs";
    g.dir = d;
    if (cache.done()) {
        g.one = {d / "phase1.raw", readFile(d / "phase1.sha256"), readFile(d / "phase1.qemu.json")};
        g.two = {d / "phase2.raw", readFile(d / "phase2.sha256"), readFile(d / "phase2.qemu.json")};
        std::ifstream(d / "delta.txt") >> g.delta.changed_bytes >> g.delta.windows_1mib >> g.delta.windows_4mib;
        return;
    }
    auto t0 = std::chrono::steady_clock::now();
    cache.startOver();
    fs::create_directories(logs);
    const fs::path image = d / "phase2.raw";
    const auto step = std::chrono::minutes(15);
    makeSparseFile(image, g.p.raw_bytes);
    {
        Chroot c(site, image, d / "mnt", logs, true);
        runOrThrow(Command{.argv = {"tar", "-C", c.root().string(), "-xf", guestTree().string()}}, "unpack-guest", logs,
                   step);
        c.bind();
        c.apt(g.p.phase1, "apt-phase1", true);
        c.trim();
    }
    runOrThrow(Command{.argv = {"cp", "--sparse=always", image.string(), (d / "phase1.raw").string()}}, "keep-phase1",
               logs, step);
    g.one = imageFacts(d / "phase1.raw", logs, "phase1");
    {
        Chroot c(site, image, d / "mnt", logs, false);
        c.bind();
        // no list refresh: it would rewrite tens of MiB of lists whenever the
        // mirror moved, which is noise, not the change under test
        c.apt(g.p.phase2, "apt-phase2", false);
        // random churn files: data no package brings
        Rng rng(seedFor("vm-image-churn"));
        fs::create_directories(c.root() / "var" / "lib" / "e2e-churn");
        std::string buf(1 << 20, '\0');
        for (std::uint64_t i = 0; i < g.p.churn_bytes >> 20; ++i) {
            rng.fill(buf.data(), buf.size());
            std::ofstream(c.root() / "var" / "lib" / "e2e-churn" / ("c" + std::to_string(i)), std::ios::binary) << buf;
        }
        c.trim();
    }
    g.two = imageFacts(image, logs, "phase2");
    g.delta = imageDelta(g.one.image, g.two.image);
    std::ofstream(d / "delta.txt") << g.delta.changed_bytes << " " << g.delta.windows_1mib << " "
                                   << g.delta.windows_4mib << "\n";
    std::ofstream(d / "phase1.sha256") << g.one.sha256;
    std::ofstream(d / "phase1.qemu.json") << g.one.qemu_info;
    std::ofstream(d / "phase2.sha256") << g.two.sha256;
    std::ofstream(d / "phase2.qemu.json") << g.two.qemu_info;
    fs::remove(d / "mnt");
    g.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cache.finish(g.build_s);
}

class VmImage : public ScenarioTestP<std::string> {
protected:
    VmImage() : ScenarioTestP("filesystems") {}
};

TEST_P(VmImage, TwoPhasesDedupAndRestore) {
    ToolOnBackend t;
    if (!prepare(t, GetParam())) return;
    Workspace& ws = this->ws();
    Guest& g = guest();
    Verdicts v(ws);
    // after the tool check: a skipped row builds nothing
    if (!v.layer("guest-image", [&] {
            buildGuest(g, {ws.config().runtime_dir, ws.config().fs_device});
            return "two phase images in " + g.dir.string();
        }))
        return;
    ws.report().set("guest", {{"raw_image_bytes", g.p.raw_bytes},
                              {"phase1_packages", g.p.phase1},
                              {"phase2_packages", g.p.phase2},
                              {"churn_bytes", g.p.churn_bytes},
                              {"build_seconds", g.build_s},
                              {"cache", g.dir.string()},
                              {"phase1",
                               {{"sha256", g.one.sha256},
                                {"allocated_bytes", allocatedBytes(g.one.image)},
                                {"qemu_img_info", nlohmann::json::parse(g.one.qemu_info, nullptr, false)}}},
                              {"phase2",
                               {{"sha256", g.two.sha256},
                                {"allocated_bytes", allocatedBytes(g.two.image)},
                                {"qemu_img_info", nlohmann::json::parse(g.two.qemu_info, nullptr, false)}}},
                              {"phase2_change",
                               {{"changed_bytes", g.delta.changed_bytes},
                                {"windows_1mib", g.delta.windows_1mib},
                                {"windows_4mib", g.delta.windows_4mib}}}});
    Backend* backend = t.backend.get();
    BackupTool* tool = t.tool.get();
    const fs::path src = ws.work() / "source";
    fs::create_directories(src);
    v.layer("init", [&] {
        tool->init(RepoOptions{});
        return std::string();
    });
    std::uint64_t before = backend->usedBytes(), after1 = 0, after2 = 0;
    std::string id2;
    auto phase = [&](const ImageFacts& ph, const std::string& layer, std::uint64_t& after, std::string* id_out) {
        v.layer(layer, [&] {
            runOrThrow(Command{.argv = {"cp", "--sparse=always", ph.image.string(), (src / "vm.raw").string()}},
                       "stage-" + layer, ws.logs(), std::chrono::minutes(15));
            std::string id = tool->backup(src, "vm-image");
            if (id_out) *id_out = id;
            after = backend->usedBytes();
            return "snapshot " + id + "; repository " + humanBytes(after);
        });
    };
    phase(g.one, "backup-phase1", after1, nullptr);
    phase(g.two, "backup-phase2", after2, &id2);
    // Phase 2 changes a few tens of MiB scattered over the image (files, ext4
    // metadata, the journal): the bar follows the windows it changed, at the
    // tool's declared chunk size (kopia: 4 MiB on average pays more per change).
    v.layer("dedup", [&] {
        return imageDedupVerdict(ws, t.caps, before, after1, after2, g.p.raw_bytes,
                                 "phase 2 changed " + humanBytes(g.delta.changed_bytes) + " in " +
                                     std::to_string(g.delta.windows_1mib) + " windows of 1 MiB, " +
                                     std::to_string(g.delta.windows_4mib) + " of 4 MiB",
                                 {{1ull << 20, g.delta.windows_1mib}, {4ull << 20, g.delta.windows_4mib}});
    });
    v.layer("restore-sha256", [&] {
        const fs::path out = ws.work() / "restore";
        tool->restore(id2, out);
        std::string got = sha256File(out / "vm.raw");
        fs::remove_all(out);
        if (got != g.two.sha256)
            throw VerdictFailure("restored image SHA-256 " + got + " differs from the image's " + g.two.sha256);
        return "restored image SHA-256 " + got + " equals the phase 2 image";
    });
    fs::remove_all(src);
}

INSTANTIATE_TEST_SUITE_P(Vm, VmImage, ::testing::ValuesIn(knownTools()), [](const auto& p) { return p.param; });

}  // namespace
