#pragma once
// The databases' recipe of a source and its verdicts: start and seed a
// database as verdict layers ("server", "seed"), with the figures in the
// report; then verify restored dumps against the source (load into a fresh
// database, every row's digest). The mechanism is fixtures/databases/DbKit.
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

}  // namespace e2e
