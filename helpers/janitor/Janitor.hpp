#pragma once
// Every resource of ours (process group, temp dir, mount, loop device, ...) is
// recorded in <runtime>/janitor/ when made and forgotten when released. A sweep
// releases what a killed run left behind; the leak check lists what remains.
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

// Mount points (decoded from /proc/self/mountinfo) under `prefix`.
std::vector<std::string> mountsUnder(const fs::path& prefix);

class Janitor {
public:
    // Every process we start carries this variable, so strays can be found by environment.
    static constexpr const char* kOwnerEnv = "BACKUP_E2E_OWNER";
    // Short dirs every run shares (a socket path must fit in 107 bytes); each
    // holds kOwnerFile ("<pid> <start>\n<runtime dir>") so a sweep can tell a
    // dead run's and the leak check only its own runtime's.
    static constexpr const char* kSharedRunDir = "/run/backup-e2e";
    static constexpr const char* kOwnerFile = ".e2e-owner";
    static Janitor& instance();  // made on first use; it then observes processes too
    // The process runner reports to the janitor from now on: each child's group
    // recorded and released, its owner tag, captured output under the runtime dir.
    // Every main() calls it first (the janitor itself is still made on first use).
    static void observeProcesses();
    static std::string ownerTag();  // identifies this runtime dir's processes

    fs::path runtimeDir() const { return runtime_; }
    fs::path scratchDir();  // <runtime>/tmp/<pid>, removed at exit

    // Resource kinds: "dir" (remove tree), "mount" (umount), "loop" (losetup -d),
    // "pgid" (kill the process group), "container" (a container or volume:
    // "container|volume NAME CLI", removed through that CLI). Returns a handle for release().
    std::string record(const std::string& kind, const std::string& value, const std::string& what = {});
    void release(const std::string& handle);  // forget it (the owner already undid it)
    void recordProcessGroup(int pgid, const std::string& what);
    void releaseProcessGroup(int pgid);

    struct Sweep {
        std::vector<std::string> released;  // what a dead run left and we undid
        std::vector<std::string> failed;    // what we could not undo
    };
    // Undo the records of owners that are no longer alive (all of them when
    // include_live is set), then kill any stray process carrying our tag.
    static Sweep sweep(const fs::path& runtime, bool include_live = false);
    // What of ours remains: records, tagged processes, mounts and loop devices
    // under the runtime dir, and anything of ours in /tmp.
    static std::vector<std::string> leaks(const fs::path& runtime);

    // Undo one resource now (also used by the sweep).
    static bool undo(const std::string& kind, const std::string& value, std::string& error);

    ~Janitor();

private:
    explicit Janitor(fs::path runtime);
    fs::path runtime_;
    fs::path scratch_;
    std::mutex mu_;
    unsigned seq_ = 0;
};

// Owner-aware temp dir: created under <runtime>/<area>/, recorded, removed on
// scope exit unless keep() was called (failures keep their evidence).
class ScopedDir {
public:
    ScopedDir(const fs::path& parent, const std::string& name);
    ScopedDir(const ScopedDir&) = delete;
    ScopedDir& operator=(const ScopedDir&) = delete;
    ~ScopedDir();
    const fs::path& path() const { return path_; }
    void keep() { keep_ = true; }
    bool kept() const { return keep_; }

private:
    fs::path path_;
    std::string handle_;
    bool keep_ = false;
};

}  // namespace e2e
