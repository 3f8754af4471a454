// e2e-guest-agent: the VM-image recipe's hook commands, through the QEMU guest
// agent's host socket.
//   e2e-guest-agent SOCKET ping|freeze|thaw|status [TIMEOUT_SECONDS]
// freeze fails unless at least one filesystem was frozen; exit 0 ok, 1 failed, 2 usage.
#include "vm/GuestAgent.hpp"

#include <iostream>
#include <string>

using namespace e2e;

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4) {
        std::cerr << "usage: e2e-guest-agent SOCKET ping|freeze|thaw|status [TIMEOUT_SECONDS]\n";
        return 2;
    }
    const std::string socket = argv[1], cmd = argv[2];
    int timeout_s = 30;
    if (argc == 4) {
        try {
            timeout_s = std::stoi(argv[3]);
        } catch (...) {
            std::cerr << "e2e-guest-agent: TIMEOUT_SECONDS must be a whole number, got '" << argv[3] << "'\n";
            return 2;
        }
    }
    GuestAgent agent(socket, std::chrono::seconds(timeout_s));
    try {
        if (cmd == "ping") {
            agent.ping();
            std::cout << "guest agent answers\n";
        } else if (cmd == "freeze") {
            int n = agent.freeze();
            if (n < 1) {
                std::cerr << "e2e-guest-agent: the guest froze " << n
                          << " filesystems: nothing is consistent on disk\n";
                return 1;
            }
            std::cout << "froze " << n << " guest filesystem(s)\n";
        } else if (cmd == "thaw") {
            std::cout << "thawed " << agent.thaw() << " guest filesystem(s)\n";
        } else if (cmd == "status") {
            std::cout << agent.freezeStatus() << "\n";
        } else {
            std::cerr << "e2e-guest-agent: unknown command '" << cmd << "' (ping, freeze, thaw, status)\n";
            return 2;
        }
    } catch (const GuestAgentError& e) {
        std::cerr << "e2e-guest-agent: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
