// vm-image: a Debian disk image (raw ext4 on a loop device, behind the safety
// gate) built from a debootstrap tree (scripts/bootstrap caches it) and changed
// offline through a chroot: phase 1 installs a package set, phase 2 a smaller
// one plus random churn files. Each tool backs up the image after phase 1 and
// after phase 2; the second backup must grow the repository far less than the
// image; the latest snapshot restored must have the image's SHA-256.
// The online path (boot with QEMU, change it over SSH, freeze/thaw through the
// guest agent) is not part of this suite yet.
#include "RoundTrip.hpp"
#include "backends/Backend.hpp"
#include "storage/BlockDevices.hpp"
#include "tools/Drivers.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"

#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
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
    case Profile::Ci: return {2ull << 30, {"python3", "git"}, {"jq"}, 16ull << 20};
    case Profile::Standard: return {4ull << 30, {"python3", "git", "build-essential", "vim"}, {"jq", "rsync"}, 128ull << 20};
    case Profile::Full: return {8ull << 30, {"python3", "git", "build-essential", "vim", "default-jdk-headless"}, {"jq", "rsync", "golang"}, 512ull << 20};
    }
    return {2ull << 30, {"python3", "git"}, {"jq"}, 16ull << 20};
}

fs::path guestTar() {
    const char* t = getenv("E2E_TOOLS");
    return fs::path(t && *t ? t : "/opt/backup-e2e") / "debian-bookworm-minbase.tar";
}

Result must(Command c, const fs::path& logs, const std::string& what, std::chrono::seconds timeout = std::chrono::seconds(900)) {
    c.clean_env = true;
    c.log_dir = logs;
    c.log_name = what;
    c.timeout = timeout;
    Result r = run(c);
    if (!r.ok()) throw std::runtime_error(what + " failed: " + r.describe() + "\n" + r.tail());
    return r;
}

// The image mounted with /dev /dev/pts /proc /sys /run bound in: a chroot to run apt in.
class Chroot {
public:
    Chroot(const fs::path& image, const fs::path& mnt, const fs::path& logs, bool format) : logs_(logs) {
        loop_ = std::make_unique<LoopImage>(image);
        requireFormattable(loop_->device(), Settings::runtimeDir(), Settings::get().fs_device);
        if (format) must(Command{.argv = {"mkfs.ext4", "-q", "-F", "-L", "backup-e2e-vm", loop_->device().string()}}, logs, "mkfs.ext4");
        mounts_.push_back(std::make_unique<Mount>(loop_->device(), mnt, "ext4"));
        root_ = mnt;
    }
    void bind() {
        for (const char* d : {"dev", "dev/pts", "proc", "sys", "run"}) mounts_.push_back(std::make_unique<Mount>(fs::path("/") / d, root_ / d, "none", "bind"));
        fs::copy_file("/etc/resolv.conf", root_ / "etc" / "resolv.conf", fs::copy_options::overwrite_existing);
    }
    // update = refresh the package lists first (phase 1 only: a second refresh
    // rewrites tens of MiB of lists whenever the mirror moved, which is noise, not the change under test)
    void apt(const std::vector<std::string>& packages, const std::string& what, bool update) {
        std::string list;
        for (const auto& p : packages) list += " " + p;
        must(Command{.argv = {"chroot", root_.string(), "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive",
                              "sh", "-c", std::string(update ? "apt-get update -q && " : "") + "apt-get install -y -q --no-install-recommends" + list +
                                              " && apt-get clean"}},
             logs_, what, std::chrono::seconds(3600));
    }
    const fs::path& root() const { return root_; }
    ~Chroot() {
        while (!mounts_.empty()) mounts_.pop_back();   // binds first, the image last
        loop_.reset();
    }

private:
    fs::path logs_, root_;
    std::unique_ptr<LoopImage> loop_;
    std::vector<std::unique_ptr<Mount>> mounts_;
};

struct Phase {
    fs::path image;
    std::string sha256, qemu_info;
};

// Built once and kept under <runtime>/cache/vm-image-<key> (ctest runs each
// tool's test in its own process); the key covers the plan and the guest tree.
struct Guest {
    fs::path dir;
    GuestPlan p = plan();
    Phase one, two;
    std::string error;
    double build_s = 0;
};

Guest& guest() {
    static Guest g;
    return g;
}

Phase finish(const fs::path& image, const fs::path& logs, const std::string& name) {
    Phase ph;
    ph.image = image;
    ph.sha256 = sha256File(image);
    ph.qemu_info = must(Command{.argv = {"qemu-img", "info", "--output=json", image.string()}}, logs, "qemu-img-info-" + name).out;
    return ph;
}

std::string readAll(const fs::path& p) {
    std::ifstream in(p);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void buildGuest(Guest& g) {
    auto t0 = std::chrono::steady_clock::now();
    if (!fs::exists(guestTar())) throw std::runtime_error("no Debian guest tree at " + guestTar().string() + ". Fix: run scripts/bootstrap");
    std::string key = "recipe-2|" + toString(Settings::get().profile) + "|" + std::to_string(g.p.raw_bytes) + "|" + std::to_string(g.p.churn_bytes) + "|" +
                      std::to_string(fs::file_size(guestTar())) + "|" +
                      std::to_string(fs::last_write_time(guestTar()).time_since_epoch().count());
    for (const auto& x : g.p.phase1) key += "|1" + x;
    for (const auto& x : g.p.phase2) key += "|2" + x;
    char hex[20];
    snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(key)));
    g.dir = Settings::runtimeDir() / "cache" / ("vm-image-" + std::string(hex));
    const fs::path d = g.dir, logs = d / "logs";
    fs::create_directories(d);
    int lock = open((d.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0600);
    flock(lock, LOCK_EX);   // one build at a time under ctest -j
    struct Unlock {
        int fd;
        ~Unlock() { close(fd); }
    } unlock{lock};
    if (fs::exists(d / "done")) {
        g.one = {d / "phase1.raw", readAll(d / "phase1.sha256"), readAll(d / "phase1.qemu.json")};
        g.two = {d / "phase2.raw", readAll(d / "phase2.sha256"), readAll(d / "phase2.qemu.json")};
        g.build_s = 0;
        return;
    }
    for (const auto& e : fs::directory_iterator(d)) fs::remove_all(e.path());   // a partial build
    fs::create_directories(logs);
    const fs::path image = d / "phase2.raw";
    {
        std::ofstream(image, std::ios::binary);
    }
    fs::resize_file(image, g.p.raw_bytes);
    {
        Chroot c(image, d / "mnt", logs, true);
        must(Command{.argv = {"tar", "-C", c.root().string(), "-xf", guestTar().string()}}, logs, "unpack-guest");
        c.bind();
        c.apt(g.p.phase1, "apt-phase1", true);
    }
    must(Command{.argv = {"cp", "--sparse=always", image.string(), (d / "phase1.raw").string()}}, logs, "keep-phase1");
    g.one = finish(d / "phase1.raw", logs, "phase1");
    {
        Chroot c(image, d / "mnt", logs, false);
        c.bind();
        c.apt(g.p.phase2, "apt-phase2", false);
        // random churn files: data no package brings
        Rng rng(seedFor("vm-image-churn"));
        fs::create_directories(c.root() / "var" / "lib" / "e2e-churn");
        std::string buf(1 << 20, '\0');
        for (std::uint64_t i = 0; i < g.p.churn_bytes >> 20; ++i) {
            rng.fill(buf.data(), buf.size());
            std::ofstream(c.root() / "var" / "lib" / "e2e-churn" / ("c" + std::to_string(i)), std::ios::binary) << buf;
        }
    }
    g.two = finish(image, logs, "phase2");
    std::ofstream(d / "phase1.sha256") << g.one.sha256;
    std::ofstream(d / "phase1.qemu.json") << g.one.qemu_info;
    std::ofstream(d / "phase2.sha256") << g.two.sha256;
    std::ofstream(d / "phase2.qemu.json") << g.two.qemu_info;
    std::ofstream(d / "done") << "built in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
    g.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

class VmImage : public ::testing::TestWithParam<std::string> {
protected:
    static void SetUpTestSuite() {
        try {
            buildGuest(guest());
        } catch (const std::exception& e) {
            guest().error = e.what();
        }
    }
};

std::uint64_t allocatedBytes(const fs::path& p) {
    struct stat st {};
    return stat(p.c_str(), &st) == 0 ? std::uint64_t(st.st_blocks) * 512 : 0;
}

TEST_P(VmImage, TwoPhasesDedupAndRestore) {
    const std::string name = GetParam();
    Workspace ws("filesystems");
    ws.report().set("tool", name);
    ws.report().set("backend", "local");
    ToolChoice choice = chooseTool(name);
    E2E_REQUIRE_TOOL(ws, choice);
    Guest& g = guest();
    ASSERT_TRUE(g.error.empty()) << "building the guest image failed: " << g.error;
    ws.report().set("guest", {{"raw_image_bytes", g.p.raw_bytes}, {"phase1_packages", g.p.phase1}, {"phase2_packages", g.p.phase2},
                              {"churn_bytes", g.p.churn_bytes}, {"build_seconds", g.build_s}, {"cache", g.dir.string()},
                              {"phase1", {{"sha256", g.one.sha256}, {"allocated_bytes", allocatedBytes(g.one.image)},
                                          {"qemu_img_info", nlohmann::json::parse(g.one.qemu_info, nullptr, false)}}},
                              {"phase2", {{"sha256", g.two.sha256}, {"allocated_bytes", allocatedBytes(g.two.image)},
                                          {"qemu_img_info", nlohmann::json::parse(g.two.qemu_info, nullptr, false)}}}});
    auto backend = makeBackend("local", ws, name);
    auto tool = makeTool(name, choice.binary->string(), ws.toolContext(name), backend->target());
    Verdicts v(ws);
    const fs::path src = ws.work() / "source";
    fs::create_directories(src);
    v.layer("init", [&] {
        tool->init(RepoOptions{});
        return std::string();
    });
    std::uint64_t before = backend->usedBytes(), after1 = 0, after2 = 0;
    std::string id2;
    auto phase = [&](const Phase& ph, const std::string& layer, std::uint64_t& after, std::string* id_out) {
        v.layer(layer, [&] {
            must(Command{.argv = {"cp", "--sparse=always", ph.image.string(), (src / "vm.raw").string()}}, ws.logs(), "stage-" + layer);
            std::string id = tool->backup(src, "vm-image");
            if (id_out) *id_out = id;
            after = backend->usedBytes();
            return "snapshot " + id + "; repository " + humanBytes(after);
        });
    };
    phase(g.one, "backup-phase1", after1, nullptr);
    phase(g.two, "backup-phase2", after2, &id2);
    v.layer("dedup", [&] {
        const std::uint64_t first = after1 - before, growth = after2 > after1 ? after2 - after1 : 0;
        const double ratio = double(growth) / double(g.p.raw_bytes);
        ws.report().set("repo_bytes", {{"after_phase1", after1}, {"after_phase2", after2}, {"first_backup_bytes", first}});
        ws.report().set("growth_bytes", growth);
        ws.report().set("growth_ratio", ratio);
        std::string d = "first backup " + humanBytes(first) + ", second grew the repository by " + humanBytes(growth) + " (growth_ratio " +
                        std::to_string(ratio) + " of the " + humanBytes(g.p.raw_bytes) + " image)";
        // Phase 2 changes a few tens of MiB, scattered over the image (files, ext4
        // metadata, the journal): a tool with large chunks (kopia: 4 MiB on
        // average) pays more for each change. Without dedup the repository would
        // grow by about the first backup (over a quarter of this image).
        if (ratio > 0.25 || growth * 2 > first) throw VerdictFailure("the second backup did not deduplicate: " + d);
        return d;
    });
    v.layer("restore-sha256", [&] {
        const fs::path out = ws.work() / "restore";
        tool->restore(id2, out);
        std::string got = sha256File(out / "vm.raw");
        fs::remove_all(out);
        if (got != g.two.sha256) throw VerdictFailure("restored image SHA-256 " + got + " differs from the image's " + g.two.sha256);
        return "restored image SHA-256 " + got + " equals the phase 2 image";
    });
    fs::remove_all(src);
    EXPECT_TRUE(v.ok()) << v.failedLayer() << ": " << v.firstFailure();
}

INSTANTIATE_TEST_SUITE_P(Vm, VmImage, ::testing::ValuesIn(knownTools()), [](const auto& p) { return p.param; });

}  // namespace
