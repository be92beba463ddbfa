// Store: every op round-trips through load(), cascades, message collection, ordering, reopen.
#include "persist/store.h"

#include <gtest/gtest.h>

#include "persist/test_util.h"

namespace lampi::persist {
namespace {

using testing::apply_ok;
using testing::delivery;
using testing::load_ok;
using testing::message;
using testing::open_ok;
using testing::TempDir;

std::vector<std::uint64_t> message_ids(const Snapshot& snap) {
    std::vector<std::uint64_t> ids;
    for (const MessageRecord& m : snap.messages) ids.push_back(m.id);
    return ids;
}

class StoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        store_ = open_ok(path_);
        ASSERT_NE(store_, nullptr);
    }
    void reopen() {
        store_.reset();
        store_ = open_ok(path_);
        ASSERT_NE(store_, nullptr);
    }

    TempDir dir_;
    std::string path_ = dir_.file("lampi.db");
    std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, NewStoreIsEmpty) {
    const Snapshot snap = load_ok(*store_);
    EXPECT_TRUE(snap.messages.empty());
    EXPECT_TRUE(snap.sessions.empty());
    EXPECT_TRUE(snap.deliveries.empty());
    EXPECT_EQ(snap.max_message_id, 0u);
}

TEST_F(StoreTest, MessageWithEveryFieldRoundTripsThroughRetained) {
    MessageRecord m = message(7, "sensors/t", std::string("\0\x01\xff binary", 10));
    m.qos = 2;
    m.retain = true;
    m.properties = std::string("\x03\x00\x04text\x00", 8);  // opaque bytes, NULs included
    m.expires_at_ms = 1'700'000'000'123;
    m.origin_client_id = "origin";
    MessageRecord empty = message(8, "e", "");  // zero-length payload and properties
    apply_ok(*store_,
             {PutMessage{m}, SetRetained{"sensors/t", 7}, PutMessage{empty}, SetRetained{"e", 8}});
    reopen();
    const Snapshot snap = load_ok(*store_);
    ASSERT_EQ(snap.messages.size(), 2u);
    EXPECT_EQ(snap.messages[0], m);
    EXPECT_EQ(snap.messages[1], empty);
    EXPECT_EQ(snap.retained, (std::vector<RetainedRecord>{{"e", 8}, {"sensors/t", 7}}));
    EXPECT_EQ(snap.max_message_id, 8u);
}

TEST_F(StoreTest, SetRetainedReplacesAndClearRetainedRemovesAndCollects) {
    apply_ok(*store_, {PutMessage{message(1, "t")}, SetRetained{"t", 1}});
    apply_ok(*store_, {PutMessage{message(2, "t")}, SetRetained{"t", 2}});
    Snapshot snap = load_ok(*store_);
    EXPECT_EQ(snap.retained, (std::vector<RetainedRecord>{{"t", 2}}));
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{2}));  // 1 lost its only reference
    apply_ok(*store_, {ClearRetained{"t"}, ClearRetained{"absent"}});
    snap = load_ok(*store_);
    EXPECT_TRUE(snap.retained.empty());
    EXPECT_TRUE(snap.messages.empty());
}

TEST_F(StoreTest, SessionSubscriptionsAndIncomingQos2RoundTrip) {
    apply_ok(*store_,
             {PutSession{"c1", 3600, std::nullopt, 5}, PutSubscription{"c1", {"b/#", 0x2a, 7}},
              PutSubscription{"c1", {"a/+", 1, 0}}, AddIncomingQos2{"c1", 300},
              AddIncomingQos2{"c1", 12}, AddIncomingQos2{"c1", 12}, PutSession{"c2", 0, 1'000, 4}});
    reopen();
    Snapshot snap = load_ok(*store_);
    ASSERT_EQ(snap.sessions.size(), 2u);
    const SessionRecord& c1 = snap.sessions[0];
    EXPECT_EQ(c1.client_id, "c1");
    EXPECT_EQ(c1.expiry_interval, 3600u);
    EXPECT_EQ(c1.disconnected_at_ms, std::nullopt);
    EXPECT_EQ(c1.protocol_version, 5);
    EXPECT_EQ(c1.subscriptions, (std::vector<SubscriptionRecord>{{"a/+", 1, 0}, {"b/#", 0x2a, 7}}));
    EXPECT_EQ(c1.incoming_qos2, (std::vector<std::uint16_t>{12, 300}));
    EXPECT_EQ(snap.sessions[1].disconnected_at_ms, 1'000);
    EXPECT_EQ(snap.sessions[1].protocol_version, 4);

    // PutSession updates the session without touching its subscriptions.
    apply_ok(*store_, {PutSession{"c1", 60, 5'000, 5}, PutSubscription{"c1", {"a/+", 2, 9}},
                       DeleteSubscription{"c1", "b/#"}, DeleteIncomingQos2{"c1", 12}});
    snap = load_ok(*store_);
    EXPECT_EQ(snap.sessions[0].expiry_interval, 60u);
    EXPECT_EQ(snap.sessions[0].disconnected_at_ms, 5'000);
    EXPECT_EQ(snap.sessions[0].subscriptions, (std::vector<SubscriptionRecord>{{"a/+", 2, 9}}));
    EXPECT_EQ(snap.sessions[0].incoming_qos2, (std::vector<std::uint16_t>{300}));
}

TEST_F(StoreTest, DeliveriesRoundTripInSeqOrderPerClient) {
    DeliveryRecord d = delivery("c1", 5, 1);
    d.qos = 2;
    d.retain = true;
    d.packet_id = 65535;
    d.state = DeliveryState::WaitPubcomp;
    d.subscription_ids = {1, 268'435'455, 42};
    // Inserted out of order, sequence numbers past 2^32 and across clients.
    apply_ok(*store_, {PutMessage{message(1)}, PutDelivery{delivery("c2", 1, 1)},
                       PutDelivery{delivery("c1", 10'000'000'000, 1)}, PutDelivery{d},
                       PutDelivery{delivery("c1", 2, 1)}});
    reopen();
    const Snapshot snap = load_ok(*store_);
    ASSERT_EQ(snap.deliveries.size(), 4u);
    EXPECT_EQ(snap.deliveries[0].seq, 2u);
    EXPECT_EQ(snap.deliveries[1], d);
    EXPECT_EQ(snap.deliveries[2].seq, 10'000'000'000u);
    EXPECT_EQ(snap.deliveries[3].client_id, "c2");
}

TEST_F(StoreTest, UpdateAndDeleteDeliveryFollowTheQos2Flow) {
    apply_ok(*store_, {PutMessage{message(1)}, PutDelivery{delivery("c", 1, 1)},
                       PutDelivery{delivery("c", 2, 1)}});
    apply_ok(*store_, {UpdateDelivery{"c", 1, 17, DeliveryState::WaitPubrec},
                       UpdateDelivery{"c", 99, 18, DeliveryState::WaitPuback}});  // absent: no-op
    Snapshot snap = load_ok(*store_);
    ASSERT_EQ(snap.deliveries.size(), 2u);
    EXPECT_EQ(snap.deliveries[0].packet_id, 17);
    EXPECT_EQ(snap.deliveries[0].state, DeliveryState::WaitPubrec);
    apply_ok(*store_, {UpdateDelivery{"c", 1, 17, DeliveryState::WaitPubcomp}});
    apply_ok(*store_, {DeleteDelivery{"c", 1}});
    snap = load_ok(*store_);
    ASSERT_EQ(snap.deliveries.size(), 1u);
    EXPECT_EQ(snap.deliveries[0].seq, 2u);
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{1}));  // still referenced by seq 2
    apply_ok(*store_, {DeleteDelivery{"c", 2}});
    EXPECT_TRUE(load_ok(*store_).messages.empty());
}

TEST_F(StoreTest, PutDeliveryUpsertMovesTheReference) {
    apply_ok(*store_, {PutMessage{message(1)}, PutMessage{message(2)},
                       PutDelivery{delivery("c", 1, 1)}, PutDelivery{delivery("c", 2, 2)}});
    apply_ok(*store_, {PutDelivery{delivery("c", 1, 2)}});  // same key, other message
    const Snapshot snap = load_ok(*store_);
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{2}));
    EXPECT_EQ(snap.deliveries.size(), 2u);
}

TEST_F(StoreTest, DeleteSessionCascadesToSubscriptionsDeliveriesAndIncomingButNotWill) {
    apply_ok(*store_,
             {PutMessage{message(1)}, PutMessage{message(2, "will")},
              PutSession{"c", 100, std::nullopt, 5}, PutSubscription{"c", {"#", 1, 0}},
              PutDelivery{delivery("c", 1, 1)}, AddIncomingQos2{"c", 5}, PutWill{{"c", 2, 123}},
              PutSession{"other", 100, std::nullopt, 5}, PutSubscription{"other", {"x", 0, 0}}});
    apply_ok(*store_, {DeleteSession{"c"}});
    reopen();
    const Snapshot snap = load_ok(*store_);
    ASSERT_EQ(snap.sessions.size(), 1u);
    EXPECT_EQ(snap.sessions[0].client_id, "other");
    EXPECT_EQ(snap.sessions[0].subscriptions.size(), 1u);
    EXPECT_TRUE(snap.deliveries.empty());
    EXPECT_EQ(snap.wills, (std::vector<WillRecord>{{"c", 2, 123}}));
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{2}));  // delivery's message collected

    // A new session with the same id starts clean.
    apply_ok(*store_, {PutSession{"c", 0, std::nullopt, 4}});
    const Snapshot again = load_ok(*store_);
    EXPECT_TRUE(again.sessions[0].subscriptions.empty());
    EXPECT_TRUE(again.sessions[0].incoming_qos2.empty());
}

TEST_F(StoreTest, WillsAndBridgeQueueRoundTrip) {
    apply_ok(*store_, {PutMessage{message(1)}, PutMessage{message(2)}, PutWill{{"c", 1, 99}},
                       PutBridgeQueue{{"br", 2, 2, 1}}, PutBridgeQueue{{"br", 1, 1, 2}}});
    reopen();
    Snapshot snap = load_ok(*store_);
    EXPECT_EQ(snap.wills, (std::vector<WillRecord>{{"c", 1, 99}}));
    EXPECT_EQ(snap.bridge_queue,
              (std::vector<BridgeQueueRecord>{{"br", 1, 1, 2}, {"br", 2, 2, 1}}));
    apply_ok(*store_, {PutWill{{"c", 2, 100}}, DeleteBridgeQueue{"br", 1}});
    snap = load_ok(*store_);
    EXPECT_EQ(snap.wills, (std::vector<WillRecord>{{"c", 2, 100}}));
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{2}));
    apply_ok(*store_, {DeleteWill{"c"}, DeleteBridgeQueue{"br", 2}});
    EXPECT_TRUE(load_ok(*store_).messages.empty());
}

TEST_F(StoreTest, UnreferencedMessageIsCollectedAtTheEndOfItsBatch) {
    apply_ok(*store_, {PutMessage{message(1)}});
    EXPECT_TRUE(load_ok(*store_).messages.empty());
}

TEST_F(StoreTest, ReferenceMayPrecedeItsMessageWithinABatch) {
    apply_ok(*store_, {PutDelivery{delivery("c", 1, 5)}, PutMessage{message(5)}});
    const Snapshot snap = load_ok(*store_);
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{5}));
}

TEST_F(StoreTest, MessageSharedByManyReferencesLivesUntilTheLastGoes) {
    std::vector<Op> ops{PutMessage{message(1)}, SetRetained{"a/b", 1}, PutWill{{"w", 1, 0}},
                        PutBridgeQueue{{"b", 1, 1, 1}}};
    for (std::uint64_t seq = 1; seq <= 50; ++seq) ops.push_back(PutDelivery{delivery("c", seq, 1)});
    apply_ok(*store_, ops);
    for (std::uint64_t seq = 1; seq <= 50; ++seq) apply_ok(*store_, {DeleteDelivery{"c", seq}});
    apply_ok(*store_, {ClearRetained{"a/b"}, DeleteWill{"w"}});
    EXPECT_EQ(load_ok(*store_).messages.size(), 1u);
    apply_ok(*store_, {DeleteBridgeQueue{"b", 1}});
    EXPECT_TRUE(load_ok(*store_).messages.empty());
}

TEST_F(StoreTest, DeleteMessageHidesItsReferencesAndReopenPurgesThem) {
    apply_ok(*store_,
             {PutMessage{message(1)}, PutMessage{message(2)}, PutDelivery{delivery("c", 1, 1)},
              PutDelivery{delivery("c", 2, 2)}, SetRetained{"a/b", 1}});
    apply_ok(*store_, {DeleteMessage{1}});
    Snapshot snap = load_ok(*store_);
    EXPECT_EQ(message_ids(snap), (std::vector<std::uint64_t>{2}));
    ASSERT_EQ(snap.deliveries.size(), 1u);
    EXPECT_EQ(snap.deliveries[0].message_id, 2u);
    EXPECT_TRUE(snap.retained.empty());
    reopen();
    // The id may be reused after a restart: the stale references were purged, so a new message
    // 1 is not reachable from the old delivery.
    apply_ok(*store_, {PutMessage{message(1, "new")}, SetRetained{"new", 1}});
    snap = load_ok(*store_);
    EXPECT_EQ(snap.deliveries.size(), 1u);
    EXPECT_EQ(snap.retained, (std::vector<RetainedRecord>{{"new", 1}}));
}

TEST_F(StoreTest, DeletesOfAbsentRecordsAreNoOps) {
    apply_ok(*store_, {DeleteMessage{9}, ClearRetained{"x"}, DeleteSession{"x"},
                       DeleteSubscription{"x", "y"}, DeleteDelivery{"x", 1},
                       DeleteIncomingQos2{"x", 1}, DeleteWill{"x"}, DeleteBridgeQueue{"x", 1}});
    apply_ok(*store_, {});
    EXPECT_TRUE(load_ok(*store_).sessions.empty());
}

TEST_F(StoreTest, LaterOpsInABatchSeeEarlierOnes) {
    apply_ok(*store_, {PutMessage{message(1)}, PutDelivery{delivery("c", 1, 1)},
                       DeleteDelivery{"c", 1}, PutSession{"c", 1, std::nullopt, 5},
                       DeleteSession{"c"}, PutSession{"c", 2, std::nullopt, 5}});
    const Snapshot snap = load_ok(*store_);
    EXPECT_TRUE(snap.messages.empty());
    ASSERT_EQ(snap.sessions.size(), 1u);
    EXPECT_EQ(snap.sessions[0].expiry_interval, 2u);
}

TEST_F(StoreTest, ReopenKeepsEverythingAndUsesWal) {
    apply_ok(*store_, {PutMessage{message(1)}, PutDelivery{delivery("c", 1, 1)}});
    reopen();
    reopen();
    EXPECT_EQ(load_ok(*store_).deliveries.size(), 1u);
    // WAL mode is recorded in the file header (bytes 18 and 19 are 2).
    const std::string header = testing::read_file(path_).substr(0, 20);
    EXPECT_EQ(header.substr(0, 15), "SQLite format 3");
    EXPECT_EQ(header[18], 2);
    EXPECT_EQ(header[19], 2);
}

TEST_F(StoreTest, SynchronousFullStoreWorksToo) {
    store_.reset();
    StoreOptions options;
    options.synchronous = Synchronous::Full;
    store_ = open_ok(path_, options);
    ASSERT_NE(store_, nullptr);
    apply_ok(*store_, {PutMessage{message(1)}, SetRetained{"a/b", 1}});
    reopen();
    EXPECT_EQ(load_ok(*store_).retained.size(), 1u);
}

}  // namespace
}  // namespace lampi::persist
