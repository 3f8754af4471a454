#pragma once
// The generations scenario body (test/robustness/generations_test.cpp), shared
// with its self-test: layers corpus, init, generations (mutate + backup, N
// times, each manifest taken at its moment), restore-generations (each against
// its own manifest: newest, oldest, then the rest), delete-middle (listing ==
// model after deleting middle generations and reclaiming), restore-survivors,
// check (data-verifying).
#include "Workspace.hpp"
#include "tools/BackupTool.hpp"

namespace e2e {

struct GenerationsOptions {
    int generations = 0;  // mutated generations after the first backup; 0 = the profile's (ci 5, standard 20, full 50)
    bool btrfs = false;   // the source is a read-only btrfs snapshot of a live subvolume per generation
};

bool runGenerations(Workspace& ws, BackupTool& tool, const GenerationsOptions& opt);

}  // namespace e2e
