#pragma once
// Heartbeats for long steps that are not one command (seeding a database
// through its native client): tick() with the amount done so far prints the
// same line as the process runner at most every `every`.
#include "process/Process.hpp"

#include <chrono>
#include <iostream>
#include <string>

namespace e2e {

class Heartbeat {
public:
    // deadline 0: the step has none of its own (the test's time limit applies)
    Heartbeat(std::string what, std::string unit, std::string count_unit, std::chrono::milliseconds deadline = {},
              std::chrono::milliseconds every = std::chrono::seconds(10))
        : what_(std::move(what)),
          unit_(std::move(unit)),
          count_unit_(std::move(count_unit)),
          deadline_(deadline),
          every_(every),
          start_(std::chrono::steady_clock::now()),
          last_(start_) {}
    void tick(std::uint64_t amount) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_ < every_) return;
        const double secs = std::chrono::duration<double>(now - last_).count();
        const double rate = secs > 0 ? double(amount - std::min(amount, last_amount_)) / secs : 0;
        std::cout << heartbeatLine(what_, std::chrono::duration_cast<std::chrono::milliseconds>(now - start_),
                                   deadline_, amount, unit_, count_unit_, rate)
                  << std::endl;
        last_ = now;
        last_amount_ = amount;
    }

private:
    std::string what_, unit_, count_unit_;
    std::chrono::milliseconds deadline_, every_;
    std::chrono::steady_clock::time_point start_, last_;
    std::uint64_t last_amount_ = 0;
};

}  // namespace e2e
