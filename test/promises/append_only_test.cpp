// promises/append-only: what a compromised client, holding only its own credentials, can do to history on a server
// in its append-only mode. The first case (OldIndexPutBack) attacks a single mutable index object: the server
// refuses a DELETE of a pack, but a client may overwrite the index; the attacker saves the index after the first
// backup and puts it back after the second. Then the trusted owner, on the server's disk, runs the tool's documented
// maintenance (its reclaim). The promise: every snapshot made before the attack is listed and restores byte for
// byte. What the server answered to each of the attacker's requests (method, path, status) is in the report.
#include "RoundTrip.hpp"
#include "ScenarioTest.hpp"
#include "ToolRows.hpp"
#include "backends/Backend.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <regex>

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

    // One request of the attacker with the client's own credentials: curl, the body from or into `file`.
    int request(const std::string& method, const std::string& path, const fs::path& file = {}) {
        const RepoTarget target = t_.backend->target();
        Command c;
        c.argv = {"curl",      "-s",   "-w",         "%{http_code}",
                  "-X",        method, "--max-time", "30",
                  "--noproxy", "*",    "-H",         "Authorization: Bearer " + target.token};
        if (method == "GET" && !file.empty()) c.argv.insert(c.argv.end(), {"-o", file.string()});
        if (method == "PUT") c.argv.insert(c.argv.end(), {"--data-binary", "@" + file.string()});
        if (method != "GET" || file.empty()) c.argv.insert(c.argv.end(), {"-o", "/dev/null"});
        c.argv.push_back("http://" + target.host + ":" + std::to_string(target.port) + "/" + path);
        c.timeout = 40s;
        c.secrets = {target.token};
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
        return makeTool(GetParam(), t_.binary.string(), ctx, target);
    }
    RepoTarget onTheServersDisk() const {
        RepoTarget local;
        local.kind = "local";
        local.path = local.local_dir = t_.backend->target().local_dir;
        return local;
    }
    void broken(const Verdicts& v) {
        if (!v.ok()) ADD_FAILURE() << "history did not survive the attack: layer '" << v.failedLayer() << "'";
    }
};

TEST_P(AppendOnly, OldIndexPutBack) {
    PreludeOptions po;
    po.backend = "rest";
    po.backend_options.append_only = true;
    if (!prepare(t_, GetParam(), po)) return;
    const std::string pass = ws().secret("repo");
    auto client = driver("client", t_.backend->target(), pass), trusted = driver("owner", onTheServersDisk(), pass);
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
        const int put = request("PUT", "index", saved), put_gen = request("PUT", "index.gen", saved_gen);
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
    broken(v);
}

INSTANTIATE_TEST_SUITE_P(AppendOnlyRest, AppendOnly, ::testing::ValuesIn([] {
                             std::vector<std::string> v;
                             for (const auto& row : defaultToolRows()) v.push_back(row.tool);
                             return v;
                         }()),
                         [](const auto& p) { return p.param; });

}  // namespace
