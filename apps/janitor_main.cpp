// e2e-janitor: sweep what a killed run left, check for leaks, write the summary.
//   e2e-janitor sweep          release records of dead owners, kill strays, note /tmp; start a run
//   e2e-janitor finish         sweep, then fail if anything of ours remains; summary
//   e2e-janitor leaks          list what remains (exit 1 if anything)
//   e2e-janitor matrix         print the last run's tool x sub-skill matrix and where its report is
#include "config/Settings.hpp"
#include "janitor/Janitor.hpp"
#include "report/Report.hpp"
#include "report/RunReport.hpp"

#include <fstream>
#include <iostream>
#include <set>

using namespace e2e;

namespace {

std::set<std::string> tmpEntries() {
    std::set<std::string> s;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/tmp", ec)) s.insert(e.path().filename().string());
    return s;
}

int usage() {
    std::cerr << "usage: e2e-janitor sweep|finish|leaks|matrix\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return usage();
    const std::string cmd = argv[1];
    Janitor::observeProcesses();
    fs::path rt;
    try {
        rt = Settings::get().runtime_dir;
    } catch (const ConfigError& e) {
        std::cerr << "e2e-janitor: config error: " << e.what() << "\n";
        return 2;
    }
    fs::create_directories(rt);
    const fs::path tmp_before = rt / "janitor-tmp-before.txt";

    if (cmd == "matrix") {
        const fs::path dir = rt / "reports" / currentRun(rt);
        std::ifstream in(dir / "summary.json");
        const auto summary = nlohmann::json::parse(in, nullptr, false);
        if (!in || summary.is_discarded()) {
            std::cerr << "e2e-janitor: no summary in " << dir.string()
                      << " (the run did not reach its janitor.leak_check)\n";
            return 1;
        }
        std::cout << terminalMatrix(summary, dir);
        return 0;
    }

    if (cmd == "sweep" || cmd == "finish") {
        auto s = Janitor::sweep(rt, false);
        for (const auto& r : s.released) std::cout << "released: " << r << "\n";
        for (const auto& f : s.failed) std::cout << "could not release: " << f << "\n";
        if (cmd == "sweep") {
            std::ofstream out(tmp_before);
            for (const auto& n : tmpEntries()) out << n << "\n";
            std::cout << "janitor: swept " << rt.string() << " (" << s.released.size() << " released, "
                      << s.failed.size() << " failed)\n";
            // this ctest invocation is one run: its reports and roll-ups go apart from earlier runs'
            const std::string run = startRun(rt);
            std::cout << "janitor: run " << run << ": reports in " << (rt / "reports" / run).string() << "\n";
            return s.failed.empty() ? 0 : 1;
        }
    }
    if (cmd == "finish" || cmd == "leaks") {
        auto leaks = Janitor::leaks(rt);
        std::ifstream in(tmp_before);
        if (in) {
            std::set<std::string> before;
            for (std::string l; std::getline(in, l);) before.insert(l);
            for (const auto& n : tmpEntries())
                if (!before.count(n)) leaks.push_back("new in /tmp since the run started: /tmp/" + n);
        }
        if (cmd == "finish") {
            const fs::path dir = rt / "reports" / currentRun(rt);
            fs::create_directories(dir);
            writeSummary(dir);
            std::cout << "summary of run " << currentRun(rt) << ": " << (dir / "summary.md").string() << "\n";
        }
        for (const auto& l : leaks) std::cout << "LEAK: " << l << "\n";
        if (leaks.empty())
            std::cout << "janitor: nothing of ours remains (processes, mounts, loop devices, records, /tmp)\n";
        return leaks.empty() ? 0 : 1;
    }
    return usage();
}
