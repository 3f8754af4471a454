// Bad configs give errors that name the file, line, key, problem and fix.
#include "config/Settings.hpp"
#include "janitor/Janitor.hpp"
#include "text/Text.hpp"
#include "tools/Registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <unistd.h>

using namespace e2e;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace {

std::string errorOf(const std::string& yaml) {
    try {
        parseConfig(yaml, "e2e.yaml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Config, SampleConfigParses) {
    Config c = loadConfig(Settings::sourceDir() / "seeds" / "e2e.sample.yaml");
    EXPECT_EQ(c.tools.size(), 5u);
    EXPECT_TRUE(c.repositories.count("local"));
}

TEST(Config, EmptyConfigMeansDefaults) {
    Config c = parseConfig("", "e2e.yaml");
    EXPECT_EQ(c.profile, Profile::Ci);
    EXPECT_EQ(c.tools.at("vykar").binary, "vykar");
    EXPECT_FALSE(c.tools.at("vykar").required);
}

TEST(Config, UnknownTopLevelKey) {
    EXPECT_THAT(errorOf("profile: ci\nprofle: full\n"),
                AllOf(HasSubstr("e2e.yaml:2:1"), HasSubstr("profle: unknown key"),
                      HasSubstr("Fix: use one of: profile, runtime_dir")));
}

TEST(Config, UnknownProfile) {
    EXPECT_THAT(errorOf("profile: huge\n"), AllOf(HasSubstr("e2e.yaml:1:10"), HasSubstr("unknown profile 'huge'"),
                                                  HasSubstr("ci, standard or full")));
}

// the tools the registry knows, as the error lists them
std::string registryNames() {
    std::string s;
    for (const auto& t : toolRegistry()) s += (s.empty() ? "" : ", ") + t.name;
    return s;
}

TEST(Config, UnknownTool) {
    EXPECT_THAT(
        errorOf("tools:\n  duplicity: {binary: duplicity}\n"),
        AllOf(HasSubstr("e2e.yaml:2:3"), HasSubstr("tools.duplicity: unknown tool"), HasSubstr(registryNames())));
}

TEST(Config, RequiredMustBeBoolean) {
    EXPECT_THAT(
        errorOf("tools:\n  vykar:\n    required: maybe\n"),
        AllOf(HasSubstr("e2e.yaml:3:15"), HasSubstr("tools.vykar.required: expected true or false, got 'maybe'")));
}

TEST(Config, ExternalRepositoryNeedsUrl) {
    EXPECT_THAT(
        errorOf("repositories:\n  s3:\n    mode: external\n"),
        AllOf(HasSubstr("repositories.s3.url: an external repository needs a url"), HasSubstr("Fix: add `url: ...`")));
}

TEST(Config, ManagedRepositoryTakesNoUrl) {
    EXPECT_THAT(errorOf("repositories:\n  rest:\n    url: http://127.0.0.1:1\n"),
                AllOf(HasSubstr("e2e.yaml:3:10"), HasSubstr("a managed repository takes no url")));
}

TEST(Config, UnknownBackend) {
    EXPECT_THAT(errorOf("repositories:\n  tape: {mode: managed}\n"),
                AllOf(HasSubstr("unknown backend 'tape'"), HasSubstr("local, rest, s3, sftp")));
}

TEST(Config, BadSize) {
    EXPECT_THAT(errorOf("corpus:\n  ci:\n    bulk_bytes: 12 parsecs\n"),
                AllOf(HasSubstr("e2e.yaml:3:17"), HasSubstr("corpus.ci.bulk_bytes"), HasSubstr("64MiB")));
}

TEST(Config, NotYaml) {
    EXPECT_THAT(errorOf("tools: [unclosed\n"), AllOf(HasSubstr("e2e.yaml:"), HasSubstr("not valid YAML")));
}

TEST(Config, MissingFileSaysHowToFix) {
    try {
        loadConfig(fs::path("/nonexistent/e2e.yaml"));
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("/nonexistent/e2e.yaml: cannot read"), HasSubstr("E2E_CONFIG")));
    }
}

TEST(Config, EnvironmentOverrides) {
    setenv("E2E_PROFILE", "standard", 1);
    setenv("E2E_TOOLS", "vykar, restic", 1);
    setenv("E2E_VYKAR_BIN", "/opt/vykar/bin/vykar", 1);
    Config c = parseConfig("profile: ci\n", "e2e.yaml");
    applyEnvironment(c);
    EXPECT_EQ(c.profile, Profile::Standard);
    EXPECT_TRUE(c.tools.at("vykar").required);
    EXPECT_TRUE(c.tools.at("restic").required);
    EXPECT_FALSE(c.tools.at("borg").required);
    EXPECT_EQ(c.tools.at("vykar").binary, "/opt/vykar/bin/vykar");
    setenv("E2E_TOOLS", "vykar,bacula", 1);
    EXPECT_THROW(applyEnvironment(c), ConfigError);
    unsetenv("E2E_PROFILE");
    unsetenv("E2E_TOOLS");
    unsetenv("E2E_VYKAR_BIN");
}

TEST(Config, Sizes) {
    EXPECT_EQ(parseSize("64MiB"), 64ull << 20);
    EXPECT_EQ(parseSize("1G"), 1ull << 30);
    EXPECT_EQ(parseSize("4096"), 4096u);
    EXPECT_THROW(parseSize("lots"), std::invalid_argument);
    EXPECT_THROW(parseSize("-1"), std::invalid_argument);
}

TEST(BenchConfig, DatasetMustHoldBothGenerations) {
    ScopedDir dir(Janitor::instance().scratchDir(), "bench-config");
    fs::create_directories(dir.path() / "snapshot-1");
    std::string e = errorOf("benchmarks:\n  dataset: " + dir.path().string() + "\n");
    EXPECT_THAT(e, HasSubstr("e2e.yaml:2:12: benchmarks.dataset:"));
    EXPECT_THAT(e, HasSubstr("holds no directory snapshot-2"));
    EXPECT_THAT(e, HasSubstr("Fix:"));
    fs::create_directories(dir.path() / "snapshot-2");
    Config c = parseConfig("benchmarks:\n  dataset: " + dir.path().string() + "\n  runs: 7\n", "e2e.yaml");
    EXPECT_EQ(c.bench_dataset, dir.path());
    EXPECT_EQ(c.bench_runs, 7);
    EXPECT_THAT(errorOf("benchmarks:\n  runs: many\n"), HasSubstr("benchmarks.runs: expected a whole number"));
    EXPECT_THAT(errorOf("benchmarks:\n  data: /x\n"), HasSubstr("benchmarks.data: unknown key"));
    EXPECT_THAT(errorOf("benchmarks: 3\n"), HasSubstr("benchmarks: expected a mapping"));
}

TEST(StressConfig, KeysAndErrors) {
    Config d = parseConfig("", "e2e.yaml");
    EXPECT_EQ(d.stress_iterations, 0);  // the profile's
    EXPECT_EQ(d.stress_check_every, -1);
    EXPECT_EQ(d.stress_backend, "local");
    Config c =
        parseConfig("stress:\n  iterations: 1000\n  check_every: 50\n  verify_every: 0\n  backend: rest\n", "e2e.yaml");
    EXPECT_EQ(c.stress_iterations, 1000);
    EXPECT_EQ(c.stress_check_every, 50);
    EXPECT_EQ(c.stress_verify_every, 0);
    EXPECT_EQ(c.stress_backend, "rest");
    const std::string e = errorOf("stress:\n  iterations: 0\n");
    EXPECT_THAT(e, HasSubstr("e2e.yaml:2:15: stress.iterations: expected a whole number from 1 up, got '0'"));
    EXPECT_THAT(e, HasSubstr("Fix:"));
    EXPECT_THAT(errorOf("stress:\n  check_every: often\n"),
                HasSubstr("stress.check_every: expected a whole number from 0 up"));
    EXPECT_THAT(errorOf("stress:\n  backend: ftp\n"), HasSubstr("stress.backend: unknown backend 'ftp'"));
    EXPECT_THAT(errorOf("stress:\n  loops: 3\n"), HasSubstr("stress.loops: unknown key"));
    EXPECT_THAT(errorOf("stress: 3\n"), HasSubstr("stress: expected a mapping"));
}

TEST(ContainersConfig, DockerHost) {
    EXPECT_EQ(parseConfig("", "e2e.yaml").docker_host, "");  // the suite's own dockerd
    EXPECT_EQ(parseConfig("containers:\n  docker:\n    host: unix:///run/docker.sock\n", "e2e.yaml").docker_host,
              "unix:///run/docker.sock");
    EXPECT_EQ(parseConfig("containers: {docker: {host: 'tcp://127.0.0.1:2375'}}\n", "e2e.yaml").docker_host,
              "tcp://127.0.0.1:2375");
    const std::string e = errorOf("containers:\n  docker:\n    host: tcp://10.0.0.5:2375\n");
    EXPECT_THAT(
        e, HasSubstr("e2e.yaml:3:11: containers.docker.host: 'tcp://10.0.0.5:2375' is not an engine on this machine"));
    EXPECT_THAT(e, HasSubstr("Fix: use unix:///path/to/docker.sock"));
    EXPECT_THAT(errorOf("containers:\n  podman: {}\n"), HasSubstr("containers.podman: unknown key"));
    EXPECT_THAT(errorOf("containers:\n  docker:\n    socket: /x\n"),
                HasSubstr("containers.docker.socket: unknown key"));
    EXPECT_THAT(errorOf("containers: docker\n"), HasSubstr("containers: expected a mapping"));
}

}  // namespace

TEST(Config, Digest) {
    EXPECT_EQ(parseConfig("digest: xxh3\n", "e2e.yaml").digest, DigestAlgorithm::Xxh3_128);
    EXPECT_EQ(parseConfig("", "e2e.yaml").digest, DigestAlgorithm::Sha256);
    EXPECT_THAT(errorOf("digest: md5\n"), AllOf(HasSubstr("e2e.yaml:1:9"), HasSubstr("unknown digest 'md5'"),
                                                HasSubstr("sha256 (default) or xxh3")));
}

TEST(Config, CorpusSkip) {
    EXPECT_EQ(parseConfig("corpus_skip: [non_utf8_name, fifo]\n", "e2e.yaml").corpus_skip.size(), 2u);
    EXPECT_EQ(parseConfig("corpus_skip: []\n", "e2e.yaml").corpus_skip.size(), 0u)
        << "the file's list replaces the default";
    EXPECT_EQ(parseConfig("profile: ci\n", "e2e.yaml").corpus_skip, std::set<std::string>{"long_path"});
    EXPECT_THAT(
        errorOf("corpus_skip: [weird]\n"),
        AllOf(HasSubstr("e2e.yaml:1:15"), HasSubstr("unknown corpus case 'weird'"), HasSubstr("non_utf8_name")));
}

TEST(Config, FilesystemDeviceMustBeADevicePath) {
    EXPECT_THAT(errorOf("filesystems:\n  device: sdb\n"),
                AllOf(HasSubstr("e2e.yaml:2:11"), HasSubstr("filesystems.device: 'sdb' is not a device path"),
                      HasSubstr("Fix: name a block device")));
    EXPECT_THAT(errorOf("filesystems:\n  disk: /dev/sdb\n"),
                AllOf(HasSubstr("filesystems.disk: unknown key"), HasSubstr("use one of: device")));
    EXPECT_EQ(parseConfig("filesystems: {device: /dev/vdb}\n", "e2e.yaml").fs_device, "/dev/vdb");
    EXPECT_THAT(errorOf("filesystems:\n  vm_accel: xen\n"),
                AllOf(HasSubstr("e2e.yaml:2:13"), HasSubstr("filesystems.vm_accel: unknown accelerator 'xen'"),
                      HasSubstr("Fix: use auto")));
    EXPECT_EQ(parseConfig("filesystems: {vm_accel: tcg}\n", "e2e.yaml").vm_accel, "tcg");
    EXPECT_EQ(parseConfig("profile: ci\n", "e2e.yaml").vm_accel, "auto");
}

// The user's own data (corpus.path / local_path / remote_path, E2E_CORPUS): a
// missing, non-directory, unreadable or empty tree is a config error.
TEST(Config, UserCorpus) {
    const fs::path dir = Settings::runtimeDir() / "tmp" / ("config-test-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "data" / "sub");
    fs::create_directories(dir / "empty");
    std::ofstream(dir / "data" / "sub" / "f.txt") << "user data\n";
    std::ofstream(dir / "plain-file") << "x";
    const std::string data = (dir / "data").string(), small = (dir / "data" / "sub").string();

    Config c = parseConfig("corpus:\n  path: " + data + "\n  remote_path: " + small + "\n", "e2e.yaml");
    EXPECT_EQ(c.userCorpusFor("local"), fs::path(data));
    EXPECT_EQ(c.userCorpusFor("sftp"), fs::path(small));
    EXPECT_FALSE(parseConfig("", "e2e.yaml").userCorpusFor("local"));
    // relative to the config file's dir
    EXPECT_EQ(parseConfig("corpus: {local_path: data}\n", (dir / "e2e.yaml").string()).userCorpusFor("local"),
              fs::path(data));

    EXPECT_THAT(errorOf("corpus:\n  path: /nonexistent/tree\n"),
                AllOf(HasSubstr("e2e.yaml:2:9"), HasSubstr("corpus.path: '/nonexistent/tree' does not exist"),
                      HasSubstr("Fix: give the directory"), HasSubstr("remove the key")));
    EXPECT_THAT(errorOf("corpus:\n  local_path: " + (dir / "plain-file").string() + "\n"),
                AllOf(HasSubstr("e2e.yaml:2:15"), HasSubstr("corpus.local_path: '"), HasSubstr("is not a directory")));
    EXPECT_THAT(errorOf("corpus:\n  remote_path: " + (dir / "empty").string() + "\n"),
                AllOf(HasSubstr("e2e.yaml:2:16"), HasSubstr("corpus.remote_path: '"), HasSubstr("is empty"),
                      HasSubstr("generated corpus")));
    EXPECT_THAT(errorOf("corpus:\n  paths: /x\n"),
                AllOf(HasSubstr("corpus.paths: unknown key"), HasSubstr("local_path")));
    if (geteuid() != 0) {  // root reads everything: only an unprivileged run can meet an unreadable tree
        fs::permissions(dir / "data", fs::perms::none);
        EXPECT_THAT(errorOf("corpus: {path: " + data + "}\n"), HasSubstr("is not readable"));
        fs::permissions(dir / "data", fs::perms::owner_all);
    }

    // the environment wins over every path of the file, and is checked the same way
    setenv("E2E_CORPUS", small.c_str(), 1);
    applyEnvironment(c);
    EXPECT_EQ(c.userCorpusFor("local"), fs::path(small));
    EXPECT_EQ(c.userCorpusFor("s3"), fs::path(small));
    setenv("E2E_CORPUS", (dir / "empty").c_str(), 1);
    try {
        applyEnvironment(c);
        ADD_FAILURE() << "no error for an empty E2E_CORPUS";
    } catch (const ConfigError& e) {
        EXPECT_THAT(e.what(), AllOf(HasSubstr("environment: E2E_CORPUS: '"), HasSubstr("is empty"),
                                    HasSubstr("unset E2E_CORPUS")));
    }
    unsetenv("E2E_CORPUS");
    fs::remove_all(dir);
}
