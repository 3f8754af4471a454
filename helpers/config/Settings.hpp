#pragma once
// The suite's configuration: YAML file (E2E_CONFIG or the build's default)
// plus environment overrides. Bad input raises ConfigError naming the file,
// line, key, the problem and the fix.
#include "text/Text.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

enum class Profile { Ci, Standard, Full };
std::string toString(Profile p);

struct ToolConfig {
    std::string binary;         // name on PATH or a path
    std::string server_binary;  // vykar-server etc.; empty if none
    bool required = false;      // requested: missing is a FAIL, not a skip
};

struct RepositoryConfig {
    std::string backend;                                 // local | rest | s3 | sftp
    bool external = false;                               // managed (the suite starts it) or external
    std::string url;                                     // external only
    std::map<std::string, std::string> credentials_env;  // field -> env var holding it (never the secret itself)
    std::string key_file, known_hosts;                   // sftp: client key and known_hosts paths
};

struct Config {
    fs::path source;  // file it came from ("" = built-in defaults)
    Profile profile = Profile::Ci;
    fs::path runtime_dir;
    std::map<std::string, ToolConfig> tools;               // vykar restic rustic borg kopia
    std::map<std::string, RepositoryConfig> repositories;  // by label
    std::map<Profile, CorpusProfile> corpus;
    DigestAlgorithm digest = DigestAlgorithm::Sha256;  // content digest for manifests
    std::set<std::string> corpus_skip;                 // awkward corpus cases left out (named in reports)
    std::chrono::seconds command_timeout{600};
    std::chrono::seconds external_timeout{120};   // init/list/check against an external endpoint
    std::chrono::seconds transfer_timeout{3600};  // backup/restore
    // filesystems: a real block device the suite may format instead of a loop
    // image (still checked by the safety gate). Empty = loop images only.
    fs::path fs_device;
    // How the VM-image online path runs its guest: auto (KVM where it boots
    // the guest, else TCG in the full profile only), kvm-or-tcg (KVM, else TCG
    // in any profile), kvm (KVM or fail), tcg.
    std::string vm_accel = "auto";
    // The user's own data instead of the generated corpus (corpus.path, or per
    // backend corpus.local_path / corpus.remote_path; E2E_CORPUS overrides all):
    // backed up as it is, read-only. Empty = the generated corpus.
    fs::path corpus_path, corpus_local_path, corpus_remote_path;
    // The user corpus for a backend kind (local, rest, s3, sftp), if one is configured.
    std::optional<fs::path> userCorpusFor(const std::string& backend) const;
    // benchmarks: a user's dataset (must hold snapshot-1/ and snapshot-2/; empty = the
    // generated corpus in two generations) and measured runs per phase (0 = the profile's)
    fs::path bench_dataset;
    int bench_runs = 0;
    // stress: iterations (0 = the profile's: ci 10, standard 200, full 1000),
    // the structure check every K and the data-verifying check every M
    // iterations (-1 = the profile's: ci 5 and 10, else the runbook's 50 and 0;
    // 0 = never), and the backend it runs on
    int stress_iterations = 0, stress_check_every = -1, stress_verify_every = -1;
    std::string stress_backend = "local";
    // containers: an existing Docker engine (containers.docker.host, e.g.
    // unix:///run/docker.sock; DOCKER_HOST when unset). Empty = the suite starts
    // its own dockerd. On an existing engine only objects with the suite's owner label are touched.
    std::string docker_host;
    // The external repository configured for a backend kind, if any.
    const RepositoryConfig* externalFor(const std::string& backend) const;

    const CorpusProfile& corpusProfile() const { return corpus.at(profile); }
};

const std::vector<std::string>& knownTools();

// Parse YAML text; `origin` names it in errors. Applies no environment.
Config parseConfig(const std::string& yaml, const std::string& origin);
// Load a file and apply environment overrides (E2E_PROFILE, E2E_RUNTIME,
// E2E_TOOLS, E2E_<TOOL>_BIN, E2E_DIGEST, E2E_CORPUS_SKIP, E2E_CORPUS, E2E_FS_DEVICE, E2E_VM_ACCEL).
Config loadConfig(const std::optional<fs::path>& file);
void applyEnvironment(Config& c);

// Process-wide view: E2E_CONFIG (or the build default) loaded once.
struct Settings {
    static const Config& get();    // throws ConfigError
    static fs::path runtimeDir();  // never throws (falls back to the build default)
    static fs::path sourceDir();   // the repository checkout (seeds/ etc.)
};

}  // namespace e2e
