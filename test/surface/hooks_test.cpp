// surface/hooks: the monitoring recipes' webhook (vykar recipes.md, Monitoring: a curl in the tool's own hooks)
// against a receiver the suite runs on loopback (WebhookReceiver): a curl in each of before, after, failed and
// finally (BackupTool::backupNotifying), each posting the hook's name and the variables the tool's docs give its
// hooks (BackupTool::hookVariables). The promise:
//   Webhook: a good backup is "backed-up" (exit 0, a snapshot that was not there before, which restores as the source
//     is); "calls": the receiver heard before, after and finally, in that order, once each, and no failed;
//     "variables": each call carried every documented variable holding what it must (the error empty);
//   WebhookOnFailure: with its source gone the backup "failed" (a non-zero exit, no new snapshot); "calls": before,
//     failed, finally, and no after; "variables": the same values, and the error, empty in before, names the source
//     that is gone in failed and finally;
//   ReceiverDown: with nothing listening where the hooks call (a silent curl: -f without -S), the backup is still
//     "backed-up" (after, failed and finally only log their failure: vykar configuration.md, "Logged, doesn't affect
//     result"; rustic's on-failure "warn"), and "logged": a line of the tool's own output warns of the failed after
//     hook (curl itself says nothing).
// A tool that documents no hook variables (rustic) has no "variables" layer; the report says so. The peers without
// hooks of their own: NOT-APPLICABLE with the reason (notifyGap).
#include "SurfaceTest.hpp"
#include "services/Service.hpp"
#include "services/WebhookReceiver.hpp"
#include "tree/Corpus.hpp"

#include <gtest/gtest.h>

#include <algorithm>

using namespace e2e;

namespace {

const char* const kHooks[] = {"before", "after", "failed", "finally"};

// One hook's call: its name and each variable as the tool spells it, form-encoded by curl; `quiet`: curl prints
// nothing of its own when it fails (-f without -S), so that only the tool can say so
std::string hookCommand(const std::string& hook, const std::string& url, const std::vector<HookVariable>& vars,
                        bool quiet) {
    std::string c = std::string("curl -f") + (quiet ? "s" : "sS") + " -m 10 --noproxy '*' -o /dev/null" +
                    " --data-urlencode hook=" + hook;
    for (const auto& v : vars) c += " --data-urlencode " + v.name + "=" + v.spelled;
    return c + " " + url;
}

std::string describe(const std::vector<WebhookCall>& calls) {
    std::string s;
    for (const auto& c : calls) s += (s.empty() ? "" : ", ") + c.method + " " + c.path;
    return s.empty() ? "nothing" : s;
}

class Hooks : public SurfaceTest {
protected:
    HookSet hooksTo(int port, const std::vector<HookVariable>& vars, bool quiet) {
        HookSet h;
        std::string* slot[] = {&h.before, &h.after, &h.failed, &h.finally};
        for (int i = 0; i < 4; ++i)
            *slot[i] =
                hookCommand(kHooks[i], "http://127.0.0.1:" + std::to_string(port) + "/" + kHooks[i], vars, quiet);
        return h;
    }

    // "calls": exactly `want`, in that order, each carrying its own name
    static std::string calls(const std::vector<WebhookCall>& got, const std::vector<std::string>& want) {
        std::vector<std::string> paths;
        for (const auto& c : got) paths.push_back(c.path);
        std::vector<std::string> expect;
        for (const auto& w : want) expect.push_back("/" + w);
        if (paths != expect) {
            std::string w;
            for (const auto& e : expect) w += (w.empty() ? "" : ", ") + e;
            throw VerdictFailure("the receiver heard " + describe(got) + "; one call per outcome is " + w);
        }
        for (const auto& c : got)
            if (c.method != "POST" || c.fields.count("hook") == 0 || "/" + c.fields.at("hook") != c.path)
                throw VerdictFailure("a call to " + c.path + " is not its hook's post: " + c.method + " " + c.body);
        return "heard " + describe(got) + ", once each";
    }

    // "variables": every documented variable in every call, holding what it must; the error empty until the backup
    // failed, then naming the cause (the source that is gone)
    static std::string variables(const std::vector<WebhookCall>& got, const std::vector<HookVariable>& vars,
                                 bool failed, const std::string& source) {
        std::string error;
        for (const auto& c : got)
            for (const auto& v : vars) {
                const auto it = c.fields.find(v.name);
                if (it == c.fields.end())
                    throw VerdictFailure(c.path + " carried no " + v.name + " (" + v.spelled + "): " + c.body);
                const bool said = failed && c.path != "/before";
                if (v.is_error && said && it->second.find(source) == std::string::npos)
                    throw VerdictFailure(c.path + ": " + v.name + " (" + v.spelled + ") is \"" + it->second +
                                         "\" after a failed backup: it does not name the source that is gone, " +
                                         source);
                if (v.is_error && !said && !it->second.empty())
                    throw VerdictFailure(c.path + ": " + v.name + " (" + v.spelled + ") is \"" + it->second +
                                         "\", with nothing failed yet");
                if (!v.is_error && it->second != v.value)
                    throw VerdictFailure(c.path + ": " + v.name + " (" + v.spelled + ") is \"" + it->second +
                                         "\", not \"" + v.value + "\"");
                if (v.is_error && said) error = it->second;
            }
        return std::to_string(vars.size()) + " variables right in " + std::to_string(got.size()) + " calls" +
               (failed ? "; the error: " + error : "");
    }

    bool begin(ScenarioSteps& steps, Verdicts& v) {
        steps.version();
        steps.corpus(CorpusProfile{10, 256ull << 10, 0, 2, 1}, false);
        steps.init(true);
        return v.ok();
    }

    void backedUp(ScenarioSteps& steps, Verdicts& v, const Result& r, const std::vector<std::string>& before) {
        std::string id;
        v.layer("backed-up", [&] {
            if (!r.ok()) throw VerdictFailure("the backup failed: " + r.describe() + "\n" + r.tail(8));
            id = newSnapshot(before);
            if (id.empty()) throw VerdictFailure("exit 0, and no new snapshot listed");
            return "exit 0, snapshot " + id;
        });
        if (!id.empty()) steps.restoreAndCompare(id, "restore-hooked", "-hooked");
    }

    void webhook(bool fail) {
        if (!ready()) return;
        if (const std::string gap = t_.tool->notifyGap(); !gap.empty()) return endAs(Status::NotApplicable, gap);
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        if (!begin(steps, v)) return fault_.judge(v, "hooks");
        WebhookReceiver receiver;
        const auto vars = t_.tool->hookVariables();
        const auto before = snapshotIds();
        const fs::path gone = steps.source().string() + ".gone";
        if (fail) fs::rename(steps.source(), gone);
        const Result r = t_.tool->backupNotifying(steps.source(), steps.label(), hooksTo(receiver.port(), vars, false));
        if (fail) fs::rename(gone, steps.source());
        if (!fail) backedUp(steps, v, r, before);
        if (fail)
            v.layer("failed", [&] {
                if (r.ok()) throw VerdictFailure("exit 0 with its source gone: " + r.tail(6));
                if (const std::string id = newSnapshot(before); !id.empty())
                    throw VerdictFailure("a failed backup left snapshot " + id);
                return "it says so: " + r.describe() + ", no snapshot made";
            });
        const auto got = receiver.calls();
        v.layer("calls", [&] {
            return calls(got, fail ? std::vector<std::string>{"before", "failed", "finally"}
                                   : std::vector<std::string>{"before", "after", "finally"});
        });
        if (!vars.empty()) v.layer("variables", [&] { return variables(got, vars, fail, steps.source().string()); });
        if (vars.empty())
            ws().report().note(GetParam() + " documents no variables for its hooks: no \"variables\" layer");
        fault_.judge(v, "hooks");
    }

    void receiverDown() {
        if (!ready()) return;
        if (const std::string gap = t_.tool->notifyGap(); !gap.empty()) return endAs(Status::NotApplicable, gap);
        Verdicts v(ws());
        ScenarioSteps steps(ws(), *t_.tool, v);
        if (!begin(steps, v)) return fault_.judge(v, "hooks");
        const int port = freeLoopbackPort();  // nothing listens there
        const auto vars = t_.tool->hookVariables();
        const HookSet h = hooksTo(port, vars, true);
        const HookSet only_after{"", h.after, "", h.finally};  // a before hook that fails would abort, as documented
        const auto before = snapshotIds();
        const Result r = t_.tool->backupNotifying(steps.source(), steps.label(), only_after);
        backedUp(steps, v, r, before);
        v.layer("logged", [&] {
            // vykar: "WARN Hook warning: hook error: hook 'curl ... hook=after ...'"; rustic: "[WARN] Command error
            // status: backup:run-after : exit status: 7"
            const std::string line = matchingLine(r.out + "\n" + r.err, "(warn|error).*after|after.*(warn|error)");
            if (line.empty())
                throw VerdictFailure("the after hook failed (nothing listens on port " + std::to_string(port) +
                                     ") and no line of its output says so: " + r.tail(8));
            return "its output names the failed hook: " + line;
        });
        fault_.judge(v, "hooks");
    }
};

TEST_P(Hooks, Webhook) {
    webhook(false);
}
TEST_P(Hooks, WebhookOnFailure) {
    webhook(true);
}
TEST_P(Hooks, ReceiverDown) {
    receiverDown();
}

INSTANTIATE_TEST_SUITE_P(HooksLocal, Hooks, ::testing::ValuesIn(defaultTools()), [](const auto& p) { return p.param; });

// Self-tests, each caught by its own layer. rustic's (they run in the gate) edit the hooks in its profile before it
// reads them: the tool as it would behave with that fault.
std::string editingProfile(const std::string& sed) {
    return "p=\"$HOME/.config/rustic/rustic.toml\"\n[ -f \"$p\" ] && sed -i '" + sed +
           "' \"$p\"\nexec \"$real\" \"$@\"\n";
}

// exit 1 after a good backup with its hooks run: caught by "backed-up"
const char* kSaysItFailed = R"SH(
case " $* " in *" backup "*) "$real" "$@"; exit 1 ;; esac
exec "$real" "$@"
)SH";

// exit 0 whatever happened: caught by "failed"
const char* kHidesTheFailure = R"SH(
case " $* " in *" backup "*) "$real" "$@"; exit 0 ;; esac
exec "$real" "$@"
)SH";

// the after hook run twice: caught by "calls"
const std::string kAfterTwice = editingProfile(R"(s/^run-after = \[\(.*\)\]$/run-after = [\1, \1]/)");
// no failed hook: caught by "calls" (on failure)
const std::string kSkipsFailed = editingProfile("/^run-failed = /d");
// a failing after hook fails the run (rustic's default on-failure, "error"): caught by "backed-up" (receiver down)
const std::string kFailsOnHookFailure = editingProfile(R"(s/on-failure = "warn"/on-failure = "error"/)");
// a failing hook ignored without a word (on-failure "ignore"): caught by "logged"
const std::string kSilent = editingProfile(R"(s/on-failure = "warn"/on-failure = "ignore"/)");

class HooksSelftest : public Hooks {};

TEST_P(HooksSelftest, SaysItFailed) {
    fault_.expect("says-it-failed", kSaysItFailed, "backed-up");
    webhook(false);
}
TEST_P(HooksSelftest, AfterTwice) {
    fault_.expect("after-twice", kAfterTwice.c_str(), "calls");
    webhook(false);
}
TEST_P(HooksSelftest, HidesTheFailure) {
    fault_.expect("hides-the-failure", kHidesTheFailure, "failed");
    webhook(true);
}
TEST_P(HooksSelftest, SkipsFailed) {
    fault_.expect("skips-failed", kSkipsFailed.c_str(), "calls");
    webhook(true);
}
TEST_P(HooksSelftest, FailsOnHookFailure) {
    fault_.expect("fails-on-hook-failure", kFailsOnHookFailure.c_str(), "backed-up");
    receiverDown();
}
TEST_P(HooksSelftest, Silent) {
    fault_.expect("silent", kSilent.c_str(), "logged");
    receiverDown();
}

// self-test (rustic): the one tool in the gate with hooks of its own
INSTANTIATE_TEST_SUITE_P(HooksFaults, HooksSelftest, ::testing::Values("rustic"),
                         [](const auto& p) { return p.param; });

// Self-tests of the variables (vykar, the one tool that documents them), caught by "variables": its config ("$2")
// edited before it reads it
std::string editingConfig(const std::string& sed) {
    return "[ \"$1\" = --config ] && sed -i '" + sed + "' \"$2\"\nexec \"$real\" \"$@\"\n";
}
// a {label} that is the source's label
const std::string kWrongLabel = editingConfig("s/label={label}/label={source_label}/g");
// an error that says nothing after a failed backup
const std::string kNoError = editingConfig("s/error={error}/error=/g");

class HooksVariablesSelftest : public Hooks {};

TEST_P(HooksVariablesSelftest, WrongLabel) {
    fault_.expect("wrong-label", kWrongLabel.c_str(), "variables");
    webhook(false);
}
TEST_P(HooksVariablesSelftest, NoError) {
    fault_.expect("no-error", kNoError.c_str(), "variables");
    webhook(true);
}

// self-test (vykar): the one tool whose docs give its hooks variables
INSTANTIATE_TEST_SUITE_P(HooksFaults, HooksVariablesSelftest, ::testing::Values("vykar"),
                         [](const auto& p) { return p.param; });

}  // namespace
