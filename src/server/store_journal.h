// broker::Journal over the SQLite store (persist/): each journal call becomes one submission to
// the group committer, so a burst of PUBLISHes shares one transaction, and acknowledgements go
// out from the committer thread once their transaction is on disk.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "broker/broker.h"
#include "broker/journal.h"
#include "persist/group_committer.h"
#include "persist/store.h"

namespace lampi::server {

class StoreJournal final : public broker::Journal {
  public:
    StoreJournal(persist::Store& store, std::uint64_t first_message_id);
    ~StoreJournal() override;

    bool healthy() const override;
    void barrier(std::function<void(bool ok)> done) override;
    void session_saved(const std::string& client_id, std::uint32_t expiry_interval,
                       std::optional<broker::TimePoint> disconnected_at,
                       mqtt::ProtocolVersion version) override;
    void session_removed(const std::string& client_id) override;
    void subscription_saved(const std::string& client_id, const std::string& filter,
                            const mqtt::SubscribeOptions& options,
                            std::uint32_t subscription_id) override;
    void subscription_removed(const std::string& client_id, const std::string& filter) override;
    void delivery_saved(const std::string& client_id, std::uint64_t seq,
                        const broker::MessagePtr& message, std::uint8_t qos, bool retain,
                        const std::vector<std::uint32_t>& subscription_ids, std::uint16_t packet_id,
                        broker::DeliveryStage stage) override;
    void delivery_moved(const std::string& client_id, std::uint64_t seq, std::uint16_t packet_id,
                        broker::DeliveryStage stage) override;
    void delivery_removed(const std::string& client_id, std::uint64_t seq) override;
    void incoming_qos2(const std::string& client_id, std::uint16_t packet_id, bool added) override;
    void retained_set(const broker::MessagePtr& message) override;
    void retained_cleared(const std::string& topic) override;
    void will_saved(const std::string& client_id, const broker::MessagePtr& will,
                    broker::TimePoint when) override;
    void will_removed(const std::string& client_id) override;

    // Blocks until everything submitted is committed (shutdown, SIGUSR1).
    bool flush();
    persist::GroupCommitterStats stats() const { return committer_.stats(); }

  private:
    // Adds the message row for `m` (its id chosen on first use); returns the id.
    std::uint64_t reference(const broker::MessagePtr& m, std::vector<persist::Op>& ops);
    void submit(std::vector<persist::Op> ops);

    persist::GroupCommitter committer_;
    std::atomic<std::uint64_t> next_message_id_;
};

// Wall-clock milliseconds for a steady-clock time point (the store outlives the process).
std::int64_t to_unix_ms(broker::TimePoint t);
broker::TimePoint from_unix_ms(std::int64_t ms);

// Loads the store into the broker: retained messages, sessions with their subscriptions,
// queues and in-flight messages, incoming QoS 2 ids and pending wills. Returns the first free
// message id, or an error text.
std::variant<std::uint64_t, std::string> restore_broker(persist::Store& store,
                                                        broker::Broker& broker);

}  // namespace lampi::server
