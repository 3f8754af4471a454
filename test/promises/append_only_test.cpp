// promises/append-only: what a compromised client, holding only its own credentials, can do to history on a server
// in its append-only mode. The promise: every snapshot made before the attack is listed and restores byte for byte
// after the trusted owner's documented maintenance (its reclaim, on the server's disk), and so does one the client
// makes after the attack. What the server answered to each of the attacker's requests (method, path, status) is in
// the report. The first case (OldIndexPutBack) attacks a single mutable index object: the server refuses a DELETE of
// a pack, but a client may overwrite the index; the attacker saves the index after the first backup and puts it back
// after the second. The second (ClientDestroysHistory) is the ransomware case for every tool with an append-only
// server: the client's own tool is told to forget every snapshot, keep only the last and reclaim, then the attacker
// deletes one stored object of each kind and overwrites it with zeros; the owner's data-verifying check must pass.
// The same case runs against kopia's server with APPEND ACLs and against borg serve --append-only forced on the
// client's SSH key (the owner first rolls back what the client appended, as borg documents). The third
// (NeighbourIsKeptOut): rest-server --private-repos, another user with credentials of its own goes for the client's
// repository; every request must be refused. The fourth runs the ransomware case straight to S3, on a bucket with
// Object Lock, the owner recovering each object's version from before the attack (vykar's documented set-up; kopia:
// its own point-in-time view of the bucket). The fifth (PlantedChunks) plants forged chunks under the ids of a file
// the client backs up next: the owner's data-verifying check must name the damage, and the documented repair heal it.
#include "FaultyTool.hpp"
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "SelfTestFault.hpp"
#include "ToolRows.hpp"
#include "backends/Backend.hpp"
#include "services/Servers.hpp"
#include "tools/Registry.hpp"
#include "tree/Corpus.hpp"
#include "tree/Digest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

struct Request {
    std::string method, path;
    int status = 0;
};

class AppendOnly : public ScenarioTestP<std::string> {
protected:
    AppendOnly() : ScenarioTestP("promises") {}

    ToolOnBackend t_;
    std::vector<Request> requests_;
    SelfTestFault fault_;             // self-tests: a faulty tool and the layer that catches it
    bool server_append_only_ = true;  // false only in the self-test of a server that lets every DELETE through
    std::string pass_;                // the repository's passphrase: the client's and the owner's
    // The tool's own repository server (toolInfo().repository_server), its users' access lowered to APPEND, instead of
    // the REST server: the repository on local disk, served.
    bool own_server_ = false;
    std::unique_ptr<KopiaServer> server_;
    // The backend whose server is in its append-only mode: REST (rest-server, vykar-server), or SFTP, where that is
    // the tool's own server forced on the client's key (borg serve --append-only).
    std::string backend_ = "rest";

    // One request of the attacker with the client's own credentials (or another user's: `as`): curl, the body from or
    // into `file`.
    int request(const std::string& method, const std::string& path, const fs::path& file = {},
                const RepoTarget* as = nullptr) {
        const RepoTarget target = as ? *as : t_.backend->target();
        Command c;
        c.argv = {"curl", "-s", "-w", "%{http_code}", "-X", method, "--max-time", "30", "--noproxy", "*"};
        if (target.kind == "s3")  // the client's S3 keys, signed as S3 wants
            c.argv.insert(c.argv.end(), {"--aws-sigv4", "aws:amz:" + target.region + ":s3", "-u",
                                         target.access_key + ":" + target.secret_key, "-H",
                                         "x-amz-content-sha256: UNSIGNED-PAYLOAD"});
        else if (!target.user.empty())  // rest-server's login; the tool's own server: its token
            c.argv.insert(c.argv.end(), {"-u", target.user + ":" + target.token});
        else
            c.argv.insert(c.argv.end(), {"-H", "Authorization: Bearer " + target.token});
        if (method == "GET" && !file.empty()) c.argv.insert(c.argv.end(), {"-o", file.string()});
        if (method == "PUT" || method == "POST") c.argv.insert(c.argv.end(), {"--data-binary", "@" + file.string()});
        if (method != "GET" || file.empty()) c.argv.insert(c.argv.end(), {"-o", "/dev/null"});
        c.argv.push_back("http://" + target.host + ":" + std::to_string(target.port) + "/" + path);
        c.timeout = 40s;
        c.secrets = {target.token, target.secret_key};
        c.log_dir = ws().logs();
        c.log_name = "attacker-" + method;
        const Result r = run(c);
        int status = 0;
        try {
            status = std::stoi(r.out);
        } catch (...) {}
        requests_.push_back({method, path, status});
        return status;
    }

    void recordRequests() {
        nlohmann::json all = nlohmann::json::array();
        for (const auto& q : requests_) all.push_back({{"method", q.method}, {"path", q.path}, {"status", q.status}});
        ws().report().set("attacker_requests", all);
    }

    // A driver of its own (home, logs) on `target` with the repository's passphrase: the client, and the owner, who
    // works on the server's disk (the repository as a local one).
    std::unique_ptr<BackupTool> driver(const std::string& who, const RepoTarget& target, const std::string& pass) {
        ToolContext ctx = ws().toolContext(GetParam() + "-" + who, false);
        ctx.passphrase = pass;
        ctx.log_dir = ws().logs() / who;
        return makeTool(GetParam(), fault_.binary(t_.binary).string(), ctx, target);
    }
    RepoTarget onTheServersDisk() const {
        const RepoTarget served = t_.backend->target();
        if (served.kind == "local" || served.kind == "s3") return served;  // S3: the owner's keys are the server's
        RepoTarget local;
        local.kind = "local";
        local.path = local.local_dir =
            served.repo_name.empty() ? served.local_dir : served.local_dir / served.repo_name;
        return local;
    }
    void broken(const Verdicts& v) { fault_.judge(v, "append-only"); }
    // S3 dates an object's version, borg a transaction, to the second at best: the undo after an attack tells what
    // came before it apart from what came after by that date, so each step of the history begins a second of its own
    static void nextSecond() {
        std::this_thread::sleep_until(std::chrono::ceil<std::chrono::seconds>(std::chrono::system_clock::now()));
    }

    // S3: the attacker lists every version of the object at `path` (bucket/key) and deletes each for good: the lock
    // must refuse each data version; a delete marker is no data, and S3 locks none.
    std::string deleteEveryVersion(const std::string& path) {
        const std::string bucket = path.substr(0, path.find('/')), key = path.substr(path.find('/') + 1);
        const fs::path listing = ws().work() / "versions.xml";
        std::string encoded;  // the prefix as a signed query wants it
        for (const unsigned char ch : key)
            if (std::isalnum(ch) || std::string("-._~").find(char(ch)) != std::string::npos)
                encoded += char(ch);
            else
                encoded += "%" + std::string(1, "0123456789ABCDEF"[ch >> 4]) + "0123456789ABCDEF"[ch & 15];
        request("GET", bucket + "?prefix=" + encoded + "&versions=", listing);
        std::ifstream in(listing);
        const std::string xml((std::istreambuf_iterator<char>(in)), {});
        static const std::regex entry("<(Version|DeleteMarker)>([\\s\\S]*?)</\\1>"), key_of("<Key>([^<]*)</Key>"),
            id_of("<VersionId>([^<]+)</VersionId>");
        int data = 0, kept = 0, markers = 0;
        for (std::sregex_iterator it(xml.begin(), xml.end(), entry), end; it != end; ++it) {
            const std::string body = (*it)[2].str();
            std::smatch k, id;
            if (!std::regex_search(body, k, key_of) || k[1].str() != key || !std::regex_search(body, id, id_of))
                continue;  // another key under the same prefix (index.gen beside index)
            const bool refused = request("DELETE", path + "?versionId=" + id[1].str()) / 100 != 2;
            if ((*it)[1].str() == "DeleteMarker")
                ++markers;
            else
                ++data, kept += refused;
        }
        return "DELETE of each of its " + std::to_string(data) + " versions by id: " + std::to_string(kept) +
               " refused (and of its " + std::to_string(markers) + " delete markers, which S3 does not lock)";
    }

    // The REST server in its append-only mode (the self-test of a server that is not: in its ordinary mode), or a
    // local repository for the tool's own server.
    bool prepareCase() {
        PreludeOptions po;
        po.backend = own_server_ ? "local" : backend_;
        po.backend_options.append_only = server_append_only_ && !own_server_ && backend_ != "s3";
        po.backend_options.object_lock = server_append_only_ && backend_ == "s3";
        const std::string tool = GetParam();
        if (plant_case_)
            po.not_applicable = [tool](const Capabilities& c) {
                return c.forgeable_packs ? std::string()
                                         : "the suite forges packs and an index only in restic's format (with the "
                                           "tool itself, BackupTool::forgeDataPack), not yet in " +
                                               tool + "'s";
            };
        if (own_server_)
            po.not_applicable = [tool](const Capabilities&) {
                return toolInfo(tool).repository_server.empty()
                           ? tool + " has no repository server of its own with access control"
                           : std::string();
            };
        fault_.arm(ws(), po, GetParam());
        pass_ = ws().secret("repo");  // a new secret each call
        return prepare(t_, GetParam(), po);
    }

    // What the client's own tool does when told to destroy history: "ok", or the first line of its refusal.
    static std::string attempt(const std::function<void()>& fn) {
        try {
            fn();
            return "ok";
        } catch (const ToolError& e) {
            const std::string said = e.what();
            return "refused: " + said.substr(0, said.find('\n')).substr(0, 200);
        }
    }

    // The stored objects of each kind the repository keeps (the driver's layout; everything else is config and keys;
    // lock and session markers are left out: an append-only server lets a client remove them by design): the first
    // of each kind, by path relative to the server's data dir.
    std::map<std::string, std::string> oneObjectOfEachKind(const RepoLayout& layout) const {
        const fs::path data = t_.backend->target().local_dir;
        std::vector<std::string> stored;
        for (const auto& e : fs::recursive_directory_iterator(data))
            if (e.is_regular_file()) stored.push_back(fs::relative(e.path(), data).string());
        std::sort(stored.begin(), stored.end());
        const std::string repo = t_.backend->target().repo_name;
        std::map<std::string, std::string> out;
        for (const auto& path : stored) {
            const std::string in_repo = repo.empty() ? path : path.substr(std::min(path.size(), repo.size() + 1));
            auto is = [&](const std::string& re) { return !re.empty() && std::regex_search(in_repo, std::regex(re)); };
            if (is(layout.locks)) continue;
            const std::string kind = is(layout.data_packs)  ? "pack"
                                     : is(layout.index)     ? "index"
                                     : is(layout.snapshots) ? "snapshot"
                                                            : "config or key";
            out.emplace(kind, path);
        }
        return out;
    }
    using History = std::vector<std::pair<std::string, Manifest>>;  // snapshot ids and what each holds
    std::string startOwnServer(BackupTool& owner, std::unique_ptr<BackupTool>& client);
    void makeHistory(BackupTool& client, ScenarioSteps& steps, History& made, Verdicts& v);
    void clientDestroys(BackupTool& client, const std::vector<std::string>& ids, const std::string& label,
                        std::string& said);
    void judgeHistory(BackupTool& owner, BackupTool& client, ScenarioSteps& steps, const History& made, Verdicts& v);
    void destroyHistory();
    void neighbourAttacks(BackupTool& client, std::string& said);
    void otherUser();
    bool private_repos_ = true;  // false only in the self-test of a server that does not keep its users apart
    std::string plant(BackupTool& client, const fs::path& future);
    std::string detected(BackupTool& owner, const std::string& id, const fs::path& future);
    void plantedChunks();
    bool plant_case_ = false;  // the case of chunks planted under the ids a later backup will use
};

// The owner makes the repository on its disk, then serves it to one user, the client, whose access to its own
// snapshots and policies is APPEND and READ (KopiaServer::appendOnlyUsers); the client connects with its password.
std::string AppendOnly::startOwnServer(BackupTool& owner, std::unique_ptr<BackupTool>& client) {
    owner.init(RepoOptions{});
    server_ = std::make_unique<KopiaServer>(ws().work() / "server", ws().logs(), t_.binary.string(),
                                            onTheServersDisk().path, pass_, ws().secret("control"));
    if (server_append_only_) server_->appendOnlyUsers();
    const std::string host = "e2e-client", password = ws().secret("user");
    server_->addUser("e2e@" + host, password);
    server_->start();
    RepoTarget target;
    target.kind = toolInfo(GetParam()).repository_server;
    target.host = server_->host();
    target.port = server_->port();
    target.cert_fingerprint = server_->fingerprint();
    ToolContext ctx = ws().toolContext(GetParam() + "-client", false);
    ctx.passphrase = password;
    ctx.host = host;
    ctx.log_dir = ws().logs() / "client";
    ctx.shared_repo = true;
    client = makeTool(GetParam(), fault_.binary(t_.binary).string(), ctx, target);
    client->connect();
    return "https://127.0.0.1:" + std::to_string(server_->port()) + ", user e2e@" + host +
           " with APPEND on its snapshots and READ on its policies";
}

// The attacker with the client's credentials: its own tool first (forget every snapshot, a policy that keeps one,
// reclaim), then, on a REST server, raw requests.
void AppendOnly::clientDestroys(BackupTool& client, const std::vector<std::string>& ids, const std::string& label,
                                std::string& said) {
    nlohmann::json tool_said = nlohmann::json::object();
    for (const auto& id : ids) tool_said["forget " + id] = attempt([&] { client.forget(id); });
    tool_said["keep only the last"] = attempt([&] { client.forgetByPolicy(RetentionRules{.last = 1}, {label}); });
    tool_said["reclaim"] = attempt([&] { client.reclaim(); });
    ws().report().set("attacker_tool", tool_said);
    said = "the client's tool: " + tool_said.dump();
    if (own_server_ || backend_ == "sftp") return;  // the client's key speaks only the tool's own protocol
    const RepoLayout layout = client.layout();
    const fs::path zeros = ws().work() / "zeros";
    std::ofstream(zeros) << std::string(64, '\0');
    std::ostringstream raw;
    for (const auto& [kind, stored] : oneObjectOfEachKind(layout)) {
        const std::string path = t_.backend->requestPath(stored);
        const std::string write = t_.backend->writeMethod();
        const int del = request("DELETE", path), put = request(write, path, zeros);
        raw << "; " << kind << " " << path << ": DELETE " << del << ", " << write << " zeros " << put;
        if (backend_ == "s3") raw << ", " << deleteEveryVersion(path);
    }
    recordRequests();
    said += raw.str();
}

TEST_P(AppendOnly, OldIndexPutBack) {
    if (!prepareCase()) return;
    auto client = driver("client", t_.backend->target(), pass_), trusted = driver("owner", onTheServersDisk(), pass_);
    const RepoLayout layout = client->layout();
    if (!std::regex_match("index", std::regex(layout.index.empty() ? "$^" : layout.index)))
        return endAs(Status::NotApplicable,
                     GetParam() +
                         " keeps no single index object a client may overwrite (this case puts back an old "
                         "one); its index files are each immutable on an append-only server");
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *client, v);
    steps.version();
    steps.corpus(CorpusProfile{40, 2ull << 20, 0, 2, 1}, false);
    steps.init(true);
    std::string first, second;
    Manifest first_tree, second_tree;
    const fs::path saved = ws().work() / "old-index", saved_gen = ws().work() / "old-index.gen";
    v.layer("backups", [&] {
        first = client->backup(steps.source(), steps.label());
        first_tree = steps.expected();
        if (request("GET", "index", saved) != 200 || request("GET", "index.gen", saved_gen) != 200)
            throw VerdictFailure("the attacker could not read the index with the client's credentials");
        steps.addRandomFile("after-the-saved-index.bin", 3ull << 20);
        second = client->backup(steps.source(), steps.label());
        second_tree = steps.expected();
        return "snapshots " + first + " and " + second + "; the index saved by the attacker between them";
    });
    if (!v.ok()) return broken(v);
    v.layer("attack", [&] {
        const int put = request(t_.backend->writeMethod(), "index", saved),
                  put_gen = request(t_.backend->writeMethod(), "index.gen", saved_gen);
        // and a DELETE of a pack, which the append-only mode is there to refuse
        const fs::path data = t_.backend->target().local_dir;
        std::string pack;
        for (const auto& e : fs::recursive_directory_iterator(data))
            if (pack.empty() && e.is_regular_file() &&
                std::regex_search(fs::relative(e.path(), data).string(), std::regex(layout.data_packs)))
                pack = fs::relative(e.path(), data).string();
        const int del = pack.empty() ? 0 : request("DELETE", pack);
        recordRequests();
        return "PUT index answered " + std::to_string(put) + ", PUT index.gen " + std::to_string(put_gen) +
               ", DELETE " + pack + " " + std::to_string(del) + " (each request: attacker_requests)";
    });
    v.layer("owner-maintenance", [&] {
        trusted->reclaim();
        return std::string("the owner's documented reclaim on the server's disk");
    });
    ScenarioSteps by_owner(ws(), *trusted, v);
    for (const auto& [id, tree, as] : {std::tuple<std::string, Manifest, std::string>{first, first_tree, "-first"},
                                       {second, second_tree, "-second"}}) {
        by_owner.expect(tree);
        by_owner.restoreAndCompare(id, "restore" + as, as);
    }
    // history first; then the client's next backup, which the owner restores
    steps.addRandomFile("after-the-attack.bin", 1ull << 20);
    std::string after;
    v.layer("backup-after", [&] {
        return "the client's next backup: snapshot " + (after = client->backup(steps.source(), steps.label()));
    });
    by_owner.expect(steps.expected());
    by_owner.restoreAndCompare(after, "restore-after", "-after");
    broken(v);
}

TEST_P(AppendOnly, ClientDestroysHistory) {
    destroyHistory();
}

void AppendOnly::destroyHistory() {
    if (!prepareCase()) return;
    auto owner = driver("owner", onTheServersDisk(), pass_);
    Verdicts v(ws());
    std::unique_ptr<BackupTool> client;
    if (!own_server_)
        client = driver("client", t_.backend->target(), pass_);
    else if (!v.layer("server", [&] { return startOwnServer(*owner, client); }))
        return broken(v);
    ScenarioSteps steps(ws(), *client, v);
    steps.version();
    steps.corpus(CorpusProfile{40, 2ull << 20, 0, 2, 1}, false);
    if (!own_server_) steps.init(true);
    History made;
    makeHistory(*client, steps, made, v);
    if (!v.ok()) return broken(v);
    nextSecond();  // the attack begins in a second of its own
    const auto attack_start = std::chrono::system_clock::now();
    v.layer("attack", [&] {
        std::string said;
        clientDestroys(*client, {made[0].first, made[1].first}, steps.label(), said);
        return said;
    });
    if (server_) server_->stop();  // the owner works alone
    std::string undone;
    v.layer("owner-maintenance", [&] {
        // first the documented undo of what the client did since the attack began: the tool's own (borg's roll-back
        // of its transactions; kopia's point-in-time view of a locked bucket, copied to a fresh prefix), else the
        // backend's (S3: each object's last version from before copied back); then the stale locks that brings back
        // (a lock a backup removed before the attack is one of those versions) are cleared
        undone = owner->undoAppendedSince(attack_start);
        if (undone.empty()) undone = t_.backend->undoSince(attack_start);
        if (!own_server_ && !owner->relocated()) owner->connect();  // kopia on S3: the owner's own connection
        if (!undone.empty()) owner->unlock();
        owner->reclaim();
        return (undone.empty() ? "" : "the owner's documented undo: " + undone + "; then ") +
               "the owner's documented reclaim" + (backend_ == "s3" ? " with its own keys" : " on the server's disk");
    });
    // After an undo the client is rebuilt (a new home): borg's client refuses a repository older than its security
    // directory remembers, its protection against a replayed repository; the others' caches are no more to be
    // trusted than the client was.
    std::unique_ptr<BackupTool> rebuilt;
    if (!undone.empty()) {
        ws().report().note("the client is rebuilt after the owner's undo (a new home, the same key and passphrase)");
        rebuilt = driver("client-rebuilt", owner->relocated().value_or(t_.backend->target()), pass_);
        rebuilt->connect();
    }
    judgeHistory(*owner, rebuilt ? *rebuilt : *client, steps, made, v);
    broken(v);
}

// The history the attack is after: two backups.
void AppendOnly::makeHistory(BackupTool& client, ScenarioSteps& steps, History& made, Verdicts& v) {
    v.layer("backups", [&] {
        made.emplace_back(client.backup(steps.source(), steps.label()), steps.expected());
        steps.addRandomFile("second.bin", 3ull << 20);
        nextSecond();  // each backup in a second of its own
        made.emplace_back(client.backup(steps.source(), steps.label()), steps.expected());
        return "snapshots " + made[0].first + " and " + made[1].first;
    });
}

// After the attack: every snapshot made before it is listed and restores (by the owner), the client's next backup
// works and restores, and the owner's data-verifying check passes.
void AppendOnly::judgeHistory(BackupTool& owner, BackupTool& client, ScenarioSteps& steps, const History& made,
                              Verdicts& v) {
    v.layer("listed", [&] {
        const auto listed = owner.snapshots();
        for (const auto& [id, tree] : made)
            if (std::none_of(listed.begin(), listed.end(), [&](const Snapshot& x) { return sameSnapshotId(x.id, id); }))
                throw VerdictFailure("snapshot " + id + " made before the attack is no longer listed (" +
                                     std::to_string(listed.size()) + " listed on the server's disk)");
        return std::to_string(listed.size()) + " snapshots listed on the server's disk";
    });
    ScenarioSteps by_owner(ws(), owner, v);
    for (std::size_t i = 0; i < made.size(); ++i) {
        by_owner.expect(made[i].second);
        const std::string as = i == 0 ? "-first" : "-second";
        by_owner.restoreAndCompare(made[i].first, "restore" + as, as);
    }
    // history first; then the client's next backup (through the server again), which the owner restores
    steps.addRandomFile("after-the-attack.bin", 1ull << 20);
    std::string after;
    v.layer("backup-after", [&] {
        if (server_) server_->start();
        after = client.backup(steps.source(), steps.label());
        if (server_) server_->stop();
        return "the client's next backup: snapshot " + after;
    });
    by_owner.expect(steps.expected());
    by_owner.restoreAndCompare(after, "restore-after", "-after");
    v.layer("check", [&] {
        owner.check(true);
        return std::string("the owner's data-verifying check passes");
    });
}

// Straight to S3, no server of the tool's: a bucket with versioning and Object Lock, vykar with its documented
// s3_soft_delete; the attacker holds the client's S3 keys (deletes, zero overwrites, and a delete of every version of
// an object for good, which the lock refuses); the owner copies back each object's last version from before the
// attack (the aws recipe of vykar's backends.md; kopia: its documented point-in-time view, copied to a fresh prefix),
// then the usual judgement.
class AppendOnlyLockedS3 : public AppendOnly {
protected:
    AppendOnlyLockedS3() { backend_ = "s3"; }
};

TEST_P(AppendOnlyLockedS3, ClientDestroysHistory) {
    destroyHistory();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyS3Lock, AppendOnlyLockedS3, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-test (restic): a plain bucket (no versioning, no lock) taken for a locked one: the deletes are for good and
// the recovery finds no versions, caught by "owner-maintenance".
class AppendOnlyLockedS3Selftest : public AppendOnlyLockedS3 {};

TEST_P(AppendOnlyLockedS3Selftest, PlainBucket) {
    server_append_only_ = false;
    fault_.expect("against a plain bucket taken for one with Object Lock", nullptr, "owner-maintenance");
    destroyHistory();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyS3LockFaults, AppendOnlyLockedS3Selftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

// rest-server --private-repos: another user of the same server (the neighbour), with valid credentials of its own,
// goes for this client's repository: its own tool (even with the repository's passphrase), then raw requests for one
// object of each kind (GET, DELETE, PUT zeros). The server must refuse every one ("kept-apart"); then the client's
// history is judged as after any attack.
void AppendOnly::neighbourAttacks(BackupTool& client, std::string& said) {
    const RepoTarget own = t_.backend->neighbour();
    const std::string own_init = attempt([&] { driver("neighbour", own, ws().secret("other"))->init({}); });
    if (own_init != "ok")
        throw VerdictFailure("the neighbour's credentials do not work even on its own repository: " + own_init);
    said = "the neighbour made its own repository";
    RepoTarget across = own;
    across.repo_name = t_.backend->target().repo_name;
    std::vector<std::string> through;
    const std::string listing = attempt([&] { driver("neighbour-across", across, pass_)->snapshots(); });
    if (listing == "ok") through.push_back("its tool listed the snapshots");
    const fs::path zeros = ws().work() / "zeros", got = ws().work() / "got";
    std::ofstream(zeros) << std::string(64, '\0');
    for (const auto& [kind, stored] : oneObjectOfEachKind(client.layout()))
        for (const std::string& method : {std::string("GET"), std::string("DELETE"), t_.backend->writeMethod()}) {
            const std::string path = t_.backend->requestPath(stored);
            const int status = request(method, path,
                                       method == "GET"      ? got
                                       : method == "DELETE" ? fs::path{}
                                                            : zeros,
                                       &own);
            if (status / 100 == 2) through.push_back(method + " " + path + " (" + kind + ") " + std::to_string(status));
        }
    recordRequests();
    said += "; its tool across: " + listing + "; " + std::to_string(requests_.size()) +
            " raw requests with its credentials (attacker_requests)";
    if (!through.empty())
        throw VerdictFailure("the server let another user into this client's repository: " + through[0] + " (" +
                             std::to_string(through.size()) + " in all; attacker_requests)");
}

void AppendOnly::otherUser() {
    PreludeOptions po;
    po.backend = "rest";
    po.backend_options.private_repos = true;
    po.backend_options.require_login = !private_repos_;  // the same two users, on an ordinary server
    const std::string tool = GetParam();
    po.not_applicable = [tool](const Capabilities&) {
        return toolInfo(tool).rest_server == RestServerKind::OwnServer
                   ? tool + "'s own server serves one repository to one token: it has no users to keep apart"
                   : std::string();
    };
    fault_.arm(ws(), po, tool);
    pass_ = ws().secret("repo");
    if (!prepare(t_, tool, po)) return;
    auto client = driver("client", t_.backend->target(), pass_);
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *client, v);
    steps.version();
    steps.corpus(CorpusProfile{40, 2ull << 20, 0, 2, 1}, false);
    steps.init(true);
    History made;
    makeHistory(*client, steps, made, v);
    if (!v.ok()) return broken(v);
    v.layer("kept-apart", [&] {
        std::string said;
        neighbourAttacks(*client, said);
        return said;
    });
    judgeHistory(*client, *client, steps, made, v);
    broken(v);
}

class PrivateRepos : public AppendOnly {};

TEST_P(PrivateRepos, NeighbourIsKeptOut) {
    otherUser();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyPrivateRest, PrivateRepos, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-test (restic): the same two users on an ordinary rest-server (a login, no --private-repos) taken for one that
// keeps them apart: the neighbour reads and deletes, caught by "kept-apart".
class PrivateReposSelftest : public PrivateRepos {};

TEST_P(PrivateReposSelftest, ServerMixesUsers) {
    private_repos_ = false;
    fault_.expect("against a rest-server that does not keep its users apart", nullptr, "kept-apart");
    otherUser();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyPrivateFaults, PrivateReposSelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

// The same against the tool's own append-only server over SSH, forced on the client's key (borg serve --append-only).
class AppendOnlyOverSsh : public AppendOnly {
protected:
    AppendOnlyOverSsh() { backend_ = "sftp"; }
};

TEST_P(AppendOnlyOverSsh, ClientDestroysHistory) {
    destroyHistory();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlySsh, AppendOnlyOverSsh, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-test (borg): the client's key runs the ordinary `borg serve`, taken for the append-only one: its delete and
// compact go through and no transactions log is written, caught by "owner-maintenance" (nothing to roll back from).
class AppendOnlyOverSshSelftest : public AppendOnlyOverSsh {};

TEST_P(AppendOnlyOverSshSelftest, PlainServe) {
    server_append_only_ = false;
    fault_.expect("against the ordinary borg serve taken for an append-only one", nullptr, "owner-maintenance");
    destroyHistory();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlySshFaults, AppendOnlyOverSshSelftest, ::testing::Values("borg"),
                         [](const auto& p) { return p.param; });

// The same against the tool's own repository server, its users' access lowered to APPEND (kopia's ACLs).
class AppendOnlyServed : public AppendOnly {
protected:
    AppendOnlyServed() { own_server_ = true; }
};

TEST_P(AppendOnlyServed, ClientDestroysHistory) {
    destroyHistory();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyOwnServer, AppendOnlyServed, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

// Self-test (the tools with a repository server of their own): the server's default access, FULL on one's own
// snapshots, taken for an append-only one: the client's forget goes through, caught by "listed".
class AppendOnlyServedSelftest : public AppendOnlyServed {};

TEST_P(AppendOnlyServedSelftest, DefaultAccess) {
    server_append_only_ = false;
    fault_.expect("against its server's default access taken for an append-only one", nullptr, "listed");
    destroyHistory();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyOwnServerFaults, AppendOnlyServedSelftest, ::testing::ValuesIn([] {
                             std::vector<std::string> v;
                             for (const auto& tool : toolRegistry())
                                 if (!tool.repository_server.empty()) v.push_back(tool.name);
                             return v;
                         }()),
                         [](const auto& p) { return p.param; });

// Self-tests (restic): a server that is not append-only lets the attacker delete what it likes (the config among it),
// caught by "owner-maintenance" (the owner's prune finds no repository); a listing that leaves out the earliest
// snapshot, caught by "listed"; a backup after the attack that fails, caught by "backup-after"; a check that reports
// damage where there is none, caught by "check".
class AppendOnlySelftest : public AppendOnly {};

TEST_P(AppendOnlySelftest, ServerLetsDeleteThrough) {
    server_append_only_ = false;
    fault_.expect("against a REST server in its ordinary mode taken for an append-only one", nullptr,
                  "owner-maintenance");
    destroyHistory();
}

// Its third backup (the one after the attack) fails (kThirdBackupFails, FaultyTool.hpp).
TEST_P(AppendOnlySelftest, BackupAfterFails) {
    fault_.expect("backup-after-fails", kThirdBackupFails, "backup-after");
    destroyHistory();
}

// Its listing leaves out the earliest snapshot (which still restores by id).
const char* kHidesTheEarliest = R"SH(
case " $* " in *" snapshots "*)
  drop_first='import json,sys; d=sorted(json.load(sys.stdin), key=lambda s: s["time"]); print(json.dumps(d[1:]))'
  "$real" "$@" | python3 -c "$drop_first"
  exit "${PIPESTATUS[0]}" ;;
esac
exec "$real" "$@"
)SH";

TEST_P(AppendOnlySelftest, HidesTheEarliest) {
    fault_.expect("hides-the-earliest", kHidesTheEarliest, "listed");
    destroyHistory();
}

TEST_P(AppendOnlySelftest, CheckSaysDamaged) {
    fault_.expect("check-says-damaged", kCheckRejects, "check");
    destroyHistory();
}

// The self-tests run with restic (its rest-server and JSON listing)
INSTANTIATE_TEST_SUITE_P(AppendOnlyFaults, AppendOnlySelftest, ::testing::Values("restic"),
                         [](const auto& p) { return p.param; });

// Chunks planted under the ids a later backup will use. The attacker holds the client's credentials and passphrase
// and knows a file the client is about to back up (a well-known download, say). It reads the repository's config and
// keys, makes a scratch repository with them, backs the file up there, and forges the pack of its data: stored bytes
// flipped, renamed to fit, indexed anew from its header (BackupTool::forgeDataPack). It uploads that pack and index
// (new names: an append-only server takes them). The client's next backup finds the file's chunks already indexed
// and stores none of them. The promise: the snapshot that relied on the plant either restores (the tool did not
// trust it) or the owner's data-verifying check names the damage ("detected"; silent damage is the failure); the
// owner's documented repair then brings the repository back: the history restores, the client's next backup stores
// the file for real and restores, and the check passes.
std::string AppendOnly::plant(BackupTool& client, const fs::path& future) {
    const fs::path scratch = ws().work() / "attacker-repo", source = ws().work() / "attacker-source";
    fs::create_directories(source);
    fs::copy_file(future, source / future.filename());
    const RepoLayout layout = client.layout();
    const fs::path data = t_.backend->target().local_dir;
    const std::string repo = t_.backend->target().repo_name;
    int keys = 0;
    for (const auto& e : fs::recursive_directory_iterator(data)) {  // the names only; the bytes come over HTTP
        if (!e.is_regular_file()) continue;
        const std::string stored = fs::relative(e.path(), data).string();
        const std::string in_repo = repo.empty() ? stored : stored.substr(std::min(stored.size(), repo.size() + 1));
        if (in_repo != "config" && !std::regex_search(in_repo, std::regex(layout.keys))) continue;
        fs::create_directories((scratch / in_repo).parent_path());
        if (request("GET", t_.backend->requestPath(stored), scratch / in_repo) != 200)
            throw VerdictFailure("the attacker could not read " + in_repo + " with the client's credentials");
        keys += in_repo != "config";
    }
    RepoTarget local;
    local.kind = "local";
    local.path = local.local_dir = scratch;
    auto forger = driver("attacker", local, pass_);
    forger->backup(source, "attacker");
    std::ostringstream said;
    said << "the config and " << keys << " key(s) read with the client's credentials; " << future.filename().string()
         << " backed up into a scratch repository with them and its data pack forged; uploaded:";
    for (const auto& object : forger->forgeDataPack()) {
        const std::string path = t_.backend->requestPath(repo.empty() ? object : repo + "/" + object);
        const int status = request(t_.backend->writeMethod(), path, scratch / object);
        said << " " << object << " " << status;
        if (status / 100 != 2) throw VerdictFailure("the server refused the planted " + object + ": " + said.str());
    }
    recordRequests();
    return said.str();
}

// The snapshot made after the plant: restored by the owner, the planted file compared; then the owner's
// data-verifying check. A restore that does not bring the file back while the check passes is silent damage.
std::string AppendOnly::detected(BackupTool& owner, const std::string& id, const fs::path& future) {
    const fs::path dest = ws().work() / "restore-planted";
    std::string restored;
    try {
        owner.restore(id, dest);
        restored = fs::exists(dest / future.filename()) && sha256File(dest / future.filename()) == sha256File(future)
                       ? "ok"
                       : "the file came back different or not at all";
    } catch (const ToolError& e) {
        restored = std::string(e.what()).substr(0, 300);
    }
    fs::remove_all(dest);
    std::string check = "ok";
    try {
        owner.check(true);
    } catch (const ToolError& e) {
        check = std::string(e.what()).substr(0, 300);
    }
    if (restored == "ok")
        return "snapshot " + id + " restores the planted file byte for byte: the tool did not rely on the plant" +
               (check == "ok" ? std::string() : "; the owner's check names the planted pack: " + check);
    if (check == "ok")
        throw VerdictFailure("snapshot " + id + " does not restore " + future.filename().string() + " (" + restored +
                             ") and the owner's data-verifying check passes: silent damage");
    return "snapshot " + id + " does not restore the planted file (" + restored +
           "); the owner's data-verifying check names the damage: " + check;
}

void AppendOnly::plantedChunks() {
    plant_case_ = true;
    if (!prepareCase()) return;
    auto client = driver("client", t_.backend->target(), pass_), owner = driver("owner", onTheServersDisk(), pass_);
    Verdicts v(ws());
    ScenarioSteps steps(ws(), *client, v);
    steps.version();
    steps.corpus(CorpusProfile{40, 2ull << 20, 0, 2, 1}, false);
    steps.init(true);
    History made;
    v.layer("backups", [&] {
        made.emplace_back(client->backup(steps.source(), steps.label()), steps.expected());
        return "snapshot " + made[0].first;
    });
    if (!v.ok()) return broken(v);
    steps.addRandomFile("future.bin", 2ull << 20);  // the file the attacker expects the client to back up next
    const fs::path future = steps.source() / "future.bin";
    v.layer("plant", [&] { return plant(*client, future); });
    std::string relied;
    v.layer("backup-after-plant", [&] {
        const std::uint64_t before = t_.backend->usedBytes();
        relied = client->backup(steps.source(), steps.label());
        return "snapshot " + relied + " of the tree with future.bin (2 MiB); the repository grew by " +
               std::to_string((t_.backend->usedBytes() - before) >> 10) + " KiB";
    });
    v.layer("detected", [&] { return detected(*owner, relied, future); });
    v.layer("owner-repair", [&] {
        const RepairOutcome o = owner->repair();
        owner->reclaim();
        return "the owner's documented repair (" + std::to_string(o.steps.size()) + " steps), then its reclaim";
    });
    judgeHistory(*owner, *client, steps, made, v);
    broken(v);
}

TEST_P(AppendOnly, PlantedChunks) {
    plantedChunks();
}

// Self-test (restic): a check that passes whatever the repository holds hides the plant, caught by "detected".
const char* kCheckPasses = R"SH(
case " $* " in *" check "*) echo "no errors were found"; exit 0 ;; esac
exec "$real" "$@"
)SH";

TEST_P(AppendOnlySelftest, PlantGoesUnseen) {
    fault_.expect("check-passes", kCheckPasses, "detected");
    plantedChunks();
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyRest, AppendOnly, ::testing::ValuesIn(defaultTools()),
                         [](const auto& p) { return p.param; });

}  // namespace
