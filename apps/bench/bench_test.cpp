// Unit tests of lampi-bench's pure parts: payload header, latency histogram, delivery ledger,
// summary formatting.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "bench/histogram.h"
#include "bench/inbound.h"
#include "bench/ledger.h"
#include "bench/payload.h"
#include "bench/summary.h"

namespace lampi::bench {
namespace {

TEST(PayloadHeader, EncodesFieldsLittleEndianInTwentyBytes) {
    std::array<std::uint8_t, 24> buf{};
    buf.fill(0xEE);
    ASSERT_TRUE(encode_payload_header({0x11223344, 2, 0x0A0B0C0D, 0x0102030405060708ull}, buf));
    const std::array<std::uint8_t, 24> expected{0x44, 0x33, 0x22, 0x11,  // nonce
                                                0x02, 0x00, 0x00, 0x00,  // publisher
                                                0x0D, 0x0C, 0x0B, 0x0A,  // sequence
                                                0x08, 0x07, 0x06, 0x05,
                                                0x04, 0x03, 0x02, 0x01,   // send_ns
                                                0xEE, 0xEE, 0xEE, 0xEE};  // filler untouched
    EXPECT_EQ(buf, expected);
}

TEST(PayloadHeader, RoundTrips) {
    std::vector<std::uint8_t> buf(64);
    const PayloadHeader h{7, 3, 4000000000u, 123456789012345ull};
    ASSERT_TRUE(encode_payload_header(h, buf));
    const auto d = decode_payload_header(buf);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->nonce, 7u);
    EXPECT_EQ(d->publisher, 3u);
    EXPECT_EQ(d->sequence, 4000000000u);
    EXPECT_EQ(d->send_ns, 123456789012345ull);
}

TEST(PayloadHeader, RejectsBuffersShorterThanTheHeader) {
    std::vector<std::uint8_t> buf(kPayloadHeaderSize - 1);
    EXPECT_FALSE(encode_payload_header({}, buf));
    EXPECT_FALSE(decode_payload_header(buf));
}

TEST(LatencyHistogram, SmallValuesAreExact) {
    for (std::uint64_t v : {0ull, 1ull, 127ull, 255ull}) {
        EXPECT_EQ(LatencyHistogram::bucket_of(v), v);
        EXPECT_EQ(LatencyHistogram::bucket_width(LatencyHistogram::bucket_of(v)), 1u);
    }
}

TEST(LatencyHistogram, BucketsCoverTheirValuesWithinOnePercent) {
    for (std::uint64_t v = 1; v < (1ull << 62); v = v * 3 + 1) {
        const std::size_t i = LatencyHistogram::bucket_of(v);
        const std::uint64_t low = LatencyHistogram::bucket_low(i);
        const std::uint64_t width = LatencyHistogram::bucket_width(i);
        EXPECT_LE(low, v);
        EXPECT_LT(v - low, width);
        EXPECT_LE(static_cast<double>(width), static_cast<double>(low) / 127.0 + 1.0) << v;
    }
    EXPECT_LT(LatencyHistogram::bucket_of(~0ull), 58u * 128u);
}

TEST(LatencyHistogram, PercentilesOfAUniformSpread) {
    LatencyHistogram h;
    for (std::uint64_t us = 1; us <= 1000; ++us) h.record(us * 1000);  // 1 .. 1000 us
    EXPECT_EQ(h.count(), 1000u);
    EXPECT_EQ(h.max(), 1000000u);
    EXPECT_NEAR(h.percentile(0.50), 500000, 500000 * 0.008);
    EXPECT_NEAR(h.percentile(0.99), 990000, 990000 * 0.008);
    EXPECT_NEAR(h.percentile(0.999), 999000, 999000 * 0.008);
    EXPECT_DOUBLE_EQ(h.percentile(1.0), 1000000);  // capped at the exact max
    EXPECT_NEAR(h.mean(), 500500, 1);
}

TEST(LatencyHistogram, EmptyReportsZeros) {
    LatencyHistogram h;
    EXPECT_EQ(h.percentile(0.5), 0);
    EXPECT_EQ(h.mean(), 0);
}

TEST(LatencyHistogram, MergeAddsCountsAndKeepsTheMax) {
    LatencyHistogram a, b;
    for (int i = 0; i < 99; ++i) a.record(100);
    b.record(5000000);
    a.merge(b);
    EXPECT_EQ(a.count(), 100u);
    EXPECT_EQ(a.max(), 5000000u);
    EXPECT_EQ(a.percentile(0.5), 100);
    EXPECT_NEAR(a.percentile(1.0), 5000000, 5000000 * 0.008);
}

TEST(SequenceTracker, CountsDuplicatesAndOutOfOrder) {
    SequenceTracker t(10);
    EXPECT_EQ(t.record(0), SequenceTracker::Outcome::New);
    EXPECT_EQ(t.record(2), SequenceTracker::Outcome::New);
    EXPECT_EQ(t.record(1), SequenceTracker::Outcome::New);  // after 2: out of order
    EXPECT_EQ(t.record(2), SequenceTracker::Outcome::Duplicate);
    EXPECT_EQ(t.record(1000), SequenceTracker::Outcome::New);  // grows past the hint
    EXPECT_EQ(t.distinct(), 4u);
    EXPECT_EQ(t.duplicates(), 1u);
    EXPECT_EQ(t.out_of_order(), 1u);
}

TEST(SubscriberLedger, LostIsSentMinusDistinctPerPublisher) {
    SubscriberLedger l(0, 2, 100);  // hears publishers 0 and 1
    for (std::uint32_t s = 0; s < 10; ++s) l.record(0, s);
    for (std::uint32_t s = 0; s < 10; s += 2) l.record(1, s);  // half of publisher 1's
    l.record(1, 0);                                            // a duplicate
    const std::vector<std::uint64_t> sent{10, 10};
    EXPECT_EQ(l.distinct(), 15u);
    EXPECT_EQ(l.duplicates(), 1u);
    EXPECT_EQ(l.expected(sent), 20u);
    EXPECT_EQ(l.lost(sent), 5u);
}

TEST(SubscriberLedger, MessagesFromOtherPublishersAreStray) {
    SubscriberLedger l(3, 1, 10);  // a pairs subscriber: publisher 3 only
    EXPECT_EQ(l.record(2, 0), SubscriberLedger::Outcome::Stray);
    EXPECT_EQ(l.record(4, 0), SubscriberLedger::Outcome::Stray);
    EXPECT_EQ(l.record(3, 0), SubscriberLedger::Outcome::New);
    const std::vector<std::uint64_t> sent{5, 5, 5, 2, 5};
    EXPECT_EQ(l.expected(sent), 2u);
    EXPECT_EQ(l.lost(sent), 1u);
}

TEST(Summary, TextIsKeyValuePairs) {
    Summary s;
    s.add("scenario", "fanin");
    s.add("label", "");
    s.add("msgs", std::uint64_t{1000});
    s.add("secs", 0.5);
    s.add("rate", 2000.4);
    s.add("complete", true);
    s.add("note", std::string("two words"));
    EXPECT_EQ(s.text(),
              "scenario=fanin label=- msgs=1000 secs=0.500 rate=2000 complete=1 note=two_words");
}

TEST(Summary, JsonIsOneFlatObjectInOrder) {
    Summary s;
    s.add("scenario", "pairs");
    s.add("lost", 0);
    s.add("rate", 1.5);
    s.add("complete", false);
    const auto j = nlohmann::json::parse(s.json());
    EXPECT_EQ(j["scenario"], "pairs");
    EXPECT_EQ(j["lost"], 0);
    EXPECT_DOUBLE_EQ(j["rate"].get<double>(), 1.5);
    EXPECT_EQ(j["complete"], false);
    EXPECT_EQ(s.json().find("\"scenario\""), 1u);
}

// Feeds `bytes` in chunks of `chunk` and records what the splitter reports.
struct SplitLog {
    std::vector<std::string> payloads;
    std::vector<int> qos;
    std::vector<std::uint16_t> ids;
    std::vector<std::uint8_t> other;  // concatenated non-fast-path bytes
    bool ok = true;
};

SplitLog split(const std::vector<std::uint8_t>& bytes, std::size_t chunk, bool v5 = false) {
    InboundSplitter splitter(v5);
    SplitLog log;
    for (std::size_t i = 0; i < bytes.size() && log.ok; i += chunk) {
        const std::size_t n = std::min(chunk, bytes.size() - i);
        log.ok = splitter.feed(
            std::span<const std::uint8_t>(bytes.data() + i, n),
            [&](const InboundSplitter::Delivery& d) {
                log.payloads.emplace_back(d.payload.begin(), d.payload.end());
                log.qos.push_back(d.qos);
                log.ids.push_back(d.packet_id);
            },
            [&](std::span<const std::uint8_t> o) {
                log.other.insert(log.other.end(), o.begin(), o.end());
            });
    }
    return log;
}

// CONNACK, PUBLISH QoS 0 "a/b" "hi", PUBLISH QoS 1 id 0x0102 "t" "xyz", QoS 2 PUBLISH, PINGRESP.
const std::vector<std::uint8_t> kStream{
    0x20, 0x02, 0x00, 0x00,                                  // CONNACK
    0x30, 0x07, 0x00, 0x03, 'a', '/',  'b',  'h', 'i',       // PUBLISH QoS 0
    0x32, 0x08, 0x00, 0x01, 't', 0x01, 0x02, 'x', 'y', 'z',  // PUBLISH QoS 1, id 0x0102
    0x34, 0x06, 0x00, 0x01, 't', 0x00, 0x07, 'q',            // PUBLISH QoS 2: to the Session
    0xD0, 0x00};                                             // PINGRESP

TEST(InboundSplitter, TakesQos0And1PublishesAndPassesTheRestInOrder) {
    for (std::size_t chunk : {kStream.size(), std::size_t{1}, std::size_t{3}, std::size_t{7}}) {
        const SplitLog log = split(kStream, chunk);
        ASSERT_TRUE(log.ok);
        EXPECT_EQ(log.payloads, (std::vector<std::string>{"hi", "xyz"})) << chunk;
        EXPECT_EQ(log.qos, (std::vector<int>{0, 1}));
        EXPECT_EQ(log.ids[1], 0x0102);
        const std::vector<std::uint8_t> other{0x20, 0x02, 0x00, 0x00, 0x34, 0x06, 0x00,
                                              0x01, 't',  0x00, 0x07, 'q',  0xD0, 0x00};
        EXPECT_EQ(log.other, other) << chunk;
    }
}

TEST(InboundSplitter, SkipsMqtt5PublishProperties) {
    // PUBLISH QoS 0, topic "t", properties length 2 (topic alias 1... as opaque bytes), "ok".
    const std::vector<std::uint8_t> v5{0x30, 0x08, 0x00, 0x01, 't', 0x02, 0x23, 0x01, 'o', 'k'};
    const SplitLog log = split(v5, 2, true);
    ASSERT_TRUE(log.ok);
    EXPECT_EQ(log.payloads, (std::vector<std::string>{"ok"}));
}

TEST(InboundSplitter, RejectsATopicLengthPastThePacket) {
    const std::vector<std::uint8_t> bad{0x30, 0x03, 0x00, 0x09, 'a'};
    EXPECT_FALSE(split(bad, bad.size()).ok);
}

TEST(InboundSplitter, AppendsAPuback) {
    std::string out;
    append_puback(out, 0xABCD);
    EXPECT_EQ(out, std::string("\x40\x02\xAB\xCD", 4));
}

}  // namespace
}  // namespace lampi::bench
