#pragma once
// The databases' recipe of a source and its verdicts: start and seed a
// database as verdict layers ("server", "seed"), with the figures in the
// report; then verify restored dumps against the source (load into a fresh
// database, every row's digest). The mechanism is fixtures/databases/DbKit.
#include "ScenarioTest.hpp"
#include "Verdicts.hpp"
#include "Workspace.hpp"
#include "databases/DbKit.hpp"

#include <memory>
#include <string>

namespace e2e {

// Start and seed a database as verdict layers ("server", "seed"), with the
// figures in the report; then verify restored dumps against the source.
class SeededDb {
public:
    SeededDb(const std::string& name, Workspace& ws, Verdicts& v);
    // the same for a kit made elsewhere (a database in a container)
    SeededDb(std::unique_ptr<DbKit> kit, Workspace& ws, Verdicts& v);
    DbKit& kit() { return *kit_; }
    const DbFingerprint& source() const { return source_; }
    bool ready() const { return ready_; }
    // load `artifact` into a fresh database `db`, compare with the source
    std::string verify(const fs::path& artifact, const std::string& db);

private:
    std::unique_ptr<DbKit> kit_;
    SeedStats stats_;
    DbFingerprint source_;
    bool ready_ = false;
};

enum class DumpVia {
    Hooks,    // before = dump into a temp dir, after = remove it (vykar runs them; the suite for the others)
    Command,  // vykar's command_dumps, the others' from-command modes (kopia: the suite's pipe recipe)
};
// init, back up the database's dump, the snapshot listed and holding it,
// restore, load into a fresh database, compare with the source (layers init,
// backup, dump-dir-gone (hooks), listed, files, restore, load-compare).
bool dumpRoundTrip(Workspace& ws, ToolOnBackend& t, SeededDb& db, Verdicts& v, DumpVia via, const std::string& label);

}  // namespace e2e
