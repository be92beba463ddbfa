// A client's session (MQTT 3.1.1 section 4.1, MQTT 5 section 4.1): subscriptions, outgoing
// QoS 1/2 messages in flight and queued, incoming QoS 2 packet ids, and the link to the
// connection currently attached (none while the client is offline).
// Thread-safety: every member is guarded by the session's mutex; publishing threads deliver into
// a session from any worker. Lock order: subscription tree -> session -> outlet.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/lazy_container.h"
#include "broker/access_control.h"
#include "broker/journal.h"
#include "broker/message.h"
#include "broker/outlet.h"
#include "broker/settings.h"
#include "mqtt/packet.h"

namespace lampi::broker {

class Stats;

// One message on its way to this session's client, with the per-subscription details.
struct Delivery {
    MessagePtr message;
    std::uint8_t qos = 0;
    bool retain = false;
    // Reached this session through a shared subscription alone: another member of the group
    // may take it over when this one goes away (Broker::hand_off_shared).
    bool via_shared = false;
    std::vector<std::uint32_t> subscription_ids;
    std::uint64_t seq = 0;  // order within the session, as journaled (0: not journaled)
};

// A granted subscription as the session remembers it (for resubscribe and cleanup).
struct SessionSubscription {
    mqtt::SubscribeOptions options;
    std::uint32_t subscription_id = 0;
};

// A deque that allocates nothing until used: libstdc++'s std::deque allocates ~600 bytes even
// when empty, and most sessions never queue anything.
template <class T>
class LazyDeque {
  public:
    bool empty() const { return !items_ || items_->empty(); }
    std::size_t size() const { return items_ ? items_->size() : 0; }
    void push_back(T&& v) {
        if (!items_) items_ = std::make_unique<std::deque<T>>();
        items_->push_back(std::move(v));
    }
    T& front() { return items_->front(); }
    void pop_front() {
        items_->pop_front();
        if (items_->empty()) items_.reset();
    }
    // Moves the items for which pred(item) holds to `out`, keeping the order of both.
    template <class Pred>
    void extract_if(Pred pred, std::vector<T>& out) {
        if (!items_ || std::none_of(items_->begin(), items_->end(), pred)) return;
        std::deque<T> kept;
        for (T& item : *items_) {
            if (pred(item)) {
                out.push_back(std::move(item));
            } else {
                kept.push_back(std::move(item));
            }
        }
        *items_ = std::move(kept);
        if (items_->empty()) items_.reset();
    }

  private:
    std::unique_ptr<std::deque<T>> items_;
};

class Session {
  public:
    Session(std::string client_id, std::shared_ptr<const Settings> settings, Stats& stats);

    const std::string& client_id() const { return client_id_; }

    // Thread-safe. Sends now if the client is online and the window allows, queues otherwise
    // (QoS 0 only when online or queue_qos0_messages). Returns false if the message was dropped.
    bool deliver(Delivery d, TimePoint now);

    // Attaches a connection (owned by the caller, which must detach before destroying it) and
    // resends what is in flight with DUP, then fills the window from the queue.
    void attach(Outlet* outlet, mqtt::ProtocolVersion version, std::uint16_t receive_maximum,
                std::uint32_t max_packet_size, TimePoint now);
    // Detaches `outlet` if it is still the attached one; returns true if it was.
    bool detach(const Outlet* outlet);
    bool online() const { return online_.load(std::memory_order_relaxed); }
    // While offline: takes out what the session holds through its shared subscriptions alone,
    // for the broker to hand to another member of the group (MQTT 5 4.8.2): queued messages, and
    // QoS 1 ones sent but not acknowledged. A QoS 2 message once sent stays: it may only be
    // completed with this client [MQTT-4.8.2-4, -5]. Empty while online.
    std::vector<Delivery> take_shared_deliveries();

    // Acknowledgements from the client. Each returns false for an unknown packet id.
    bool on_puback(std::uint16_t packet_id, TimePoint now);
    bool on_pubrec(std::uint16_t packet_id, std::uint8_t reason, TimePoint now);
    bool on_pubcomp(std::uint16_t packet_id, TimePoint now);

    // Incoming QoS 2 (spec 4.3.3 method B): remember the id until PUBREL. Returns true if the
    // id was new (deliver the message), false for a duplicate (do not deliver again).
    bool remember_incoming_qos2(std::uint16_t packet_id);
    bool release_incoming_qos2(std::uint16_t packet_id);
    std::size_t incoming_qos2_count() const;

    // Subscriptions as recorded in the session (the tree holds the routing copy).
    void add_subscription(const std::string& filter, const SessionSubscription& s);
    bool remove_subscription(const std::string& filter);
    std::map<std::string, SessionSubscription> subscriptions() const;
    std::map<std::string, SessionSubscription> take_subscriptions();

    // Session lifetime (v5 session expiry; 3.1.1 persistent_client_expiration).
    void set_expiry_interval(std::uint32_t seconds);
    std::uint32_t expiry_interval() const;
    // True when the session outlives its connection and is journaled.
    bool persistent() const;
    void set_disconnected_at(TimePoint t);
    bool expired(TimePoint now) const;

    void update_settings(std::shared_ptr<const Settings> s);
    // Records what must survive a restart while the session is persistent (expiry > 0).
    void set_journal(Journal* journal);
    // Start-up restore from the journal (not journaled again).
    void restore_delivery(Delivery d, std::uint16_t packet_id, DeliveryStage stage);
    void restore_incoming_qos2(std::uint16_t packet_id);
    // Who reads through this session, for ACL checks on delivery (retained and wills too).
    // `mount_point`: the listener's prefix, removed from topics sent to this client.
    void set_reader(std::optional<std::string> username, std::shared_ptr<AccessControlSlot> access,
                    std::string mount_point = {});
    std::size_t queued_count() const;
    std::size_t inflight_count() const;

  private:
    enum class OutState : std::uint8_t { WaitPuback, WaitPubrec, WaitPubcomp };
    struct InFlight {
        Delivery delivery;
        OutState state;
    };

    // False when the packet is too large for the client and was discarded instead.
    bool send_publish_locked(const Delivery& d, std::uint16_t packet_id, bool dup, TimePoint now);
    void send_pubrel_locked(std::uint16_t packet_id);
    bool enqueue_locked(Delivery&& d);
    bool may_read_locked(const Message& m) const;
    bool journaled_locked() const { return journal_ != nullptr && expiry_interval_ > 0; }
    void journal_new_locked(Delivery& d, std::uint16_t packet_id, DeliveryStage stage);
    void journal_move_locked(const Delivery& d, std::uint16_t packet_id, DeliveryStage stage);
    void journal_remove_locked(const Delivery& d);
    void send_or_queue_locked(Delivery&& d, TimePoint now);
    void fill_window_locked(TimePoint now);
    std::size_t window_locked() const;
    std::uint16_t next_packet_id_locked();

    const std::string client_id_;
    Stats& stats_;
    mutable std::mutex mutex_;
    std::shared_ptr<const Settings> settings_;  // never null
    Outlet* outlet_ = nullptr;
    std::atomic<bool> online_{false};
    mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::V311;
    std::uint16_t client_receive_maximum_ = 65535;
    std::uint32_t client_max_packet_size_ = 0;
    LazyContainer<std::map<std::uint16_t, InFlight>> inflight_;
    LazyDeque<Delivery> queue_;
    std::size_t queued_bytes_ = 0;
    std::uint16_t last_packet_id_ = 0;
    LazyContainer<std::set<std::uint16_t>> incoming_qos2_;
    std::map<std::string, SessionSubscription> subscriptions_;
    std::uint32_t expiry_interval_ = 0;
    std::optional<TimePoint> disconnected_at_;
    std::optional<std::string> username_;
    std::shared_ptr<AccessControlSlot> access_;
    std::string mount_point_;
    Journal* journal_ = nullptr;
    std::uint64_t next_seq_ = 1;
};

}  // namespace lampi::broker
