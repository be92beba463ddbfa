// The running bridges of the broker: started at start-up, changed on SIGHUP (added, removed, or
// restarted when their stanza changed: Mosquitto 2.0 cannot), stopped at shutdown.
// Used from the housekeeping thread; each bridge runs on a worker.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bridge/bridge.h"
#include "config/config.h"
#include "server/worker_pool.h"

namespace lampi::server {

class BridgeSet {
  public:
    BridgeSet(WorkerPool& workers, broker::Broker& broker) : workers_(workers), broker_(broker) {}
    ~BridgeSet();

    void apply(const std::vector<config::Bridge>& wanted);
    void stop_all();
    // $SYS entries per bridge: state, address, queue depth, messages each way.
    std::vector<std::pair<std::string, std::string>> sys_entries() const;
    std::vector<bridge::BridgeStatus> statuses() const;

  private:
    WorkerPool& workers_;
    broker::Broker& broker_;
    std::vector<std::shared_ptr<bridge::Bridge>> bridges_;
};

}  // namespace lampi::server
