// Every error load_config can print, byte for byte (Mosquitto 2.0's texts, including their
// trailing blank lines), and the order in which it checks: tool, then conflicts, then the value.
#include <cctype>
#include <cstring>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "apps/common/cli_test_support.h"

namespace lampi::cli {
namespace {

using test::CliTest;
using test::parse;
using test::Parsed;

struct ErrorCase {
    const char* name;
    Tool tool;
    std::vector<std::string> args;
    const char* message;
};

// gtest prints GetParam() into the test list ctest reads: print something stable and readable.
void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

std::string case_name(const ::testing::TestParamInfo<ErrorCase>& case_info) {
    return case_info.param.name;
}

class CliError : public CliTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(CliError, PrintsMosquittosMessage) {
    const ErrorCase& c = GetParam();
    const Parsed p = parse(c.tool, c.args);
    EXPECT_EQ(p.status, ParseStatus::Error);
    EXPECT_EQ(p.err, c.message);
}

const ErrorCase kFlagErrors[] = {
    {"UnknownFlag", Tool::Pub, {"--bogus"}, "Error: Unknown option '--bogus'.\n"},
    {"BadPort", Tool::Pub, {"-p", "65536"}, "Error: Invalid port given: 65536\n"},
    {"NegativePort", Tool::Sub, {"--port", "-1"}, "Error: Invalid port given: -1\n"},
    {"BadQos", Tool::Sub, {"-q", "3"}, "Error: Invalid QoS given: 3\n"},
    {"ShortKeepalive",
     Tool::Pub,
     {"-k", "4"},
     "Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n"},
    {"LongKeepalive",
     Tool::Pub,
     {"--keepalive", "65536"},
     "Error: Invalid keepalive given, it must be between 5 and 65535 inclusive.\n\n"},
    {"ZeroMaxInflight",
     Tool::Pub,
     {"-M", "0"},
     "Error: Maximum inflight messages must be greater than 0.\n\n"},
    {"BadVersion", Tool::Sub, {"-V", "7"}, "Error: Invalid protocol version argument given.\n\n"},
    {"IdThenIdPrefix",
     Tool::Pub,
     {"-i", "a", "-I", "b"},
     "Error: -i and -I argument cannot be used together.\n\n"},
    {"IdPrefixThenId",
     Tool::Pub,
     {"--id-prefix", "b", "--id", "a"},
     "Error: -i and -I argument cannot be used together.\n\n"},
    {"ExpiryNotANumber",
     Tool::Pub,
     {"-x", "10s"},
     "Error: session-expiry-interval not a number.\n\n"},
    {"ExpiryEmpty", Tool::Pub, {"-x", ""}, "Error: session-expiry-interval not a number.\n\n"},
    {"ExpiryTooLarge",
     Tool::Pub,
     {"-x", "4294967296"},
     "Error: session-expiry-interval out of range.\n\n"},
    {"ExpiryBelowMinusOne",
     Tool::Pub,
     {"-x", "-2"},
     "Error: session-expiry-interval out of range.\n\n"},
    {"UrlScheme", Tool::Pub, {"-L", "http://h/t"}, "Error: unsupported URL scheme.\n\n"},
    {"UrlWithoutTopic",
     Tool::Pub,
     {"-L", "mqtt://h"},
     "Error: Invalid URL for -L argument specified - topic missing.\n"},
    {"UrlWildcardPubTopic",
     Tool::Pub,
     {"-L", "mqtt://h/a/#"},
     "Error: Invalid publish topic 'a/#', does it contain '+' or '#'?\n"},
    {"UrlMalformedTopic",
     Tool::Pub,
     {"-L", "mqtt://h/\xC3"},
     "Error: Malformed UTF-8 in -L topic argument.\n\n"},
    {"ProxyScheme",
     Tool::Pub,
     {"--proxy", "socks4://h"},
     "Error: Unsupported proxy protocol: socks4://h\n"},
    {"ProxyWithoutHost", Tool::Pub, {"--proxy", "socks5h://"}, "Error: Invalid proxy.\n"},
    {"ProxyPort", Tool::Pub, {"--proxy", "socks5h://h:0"}, "Error: Invalid proxy port 0\n"},
    {"WillQos", Tool::Pub, {"--will-qos", "3"}, "Error: Invalid will QoS 3.\n\n"},
    {"WillTopicWildcard",
     Tool::Pub,
     {"--will-topic", "w/+"},
     "Error: Invalid will topic 'w/+', does it contain '+' or '#'?\n"},
    {"PropertyTooFewWords",
     Tool::Pub,
     {"-D", "publish", "content-type"},
     "Error: --property argument given but not enough arguments specified.\n\n"},
    {"PropertyCommand",
     Tool::Pub,
     {"-D", "bogus", "content-type", "x"},
     "Error: Invalid command given in --property argument.\n\n"},
    {"PublishTopicWildcard",
     Tool::Pub,
     {"-t", "a/+"},
     "Error: Invalid publish topic 'a/+', does it contain '+' or '#'?\n"},
    {"SubscribeTopicWildcard",
     Tool::Sub,
     {"-t", "a/#/b"},
     "Error: Invalid subscription topic 'a/#/b', are all '+' and '#' wildcards correct?\n"},
    {"MalformedTopic",
     Tool::Sub,
     {"--topic", "a\xFF"},
     "Error: Malformed UTF-8 in -t argument.\n\n"},
    {"SecondMessageSource",
     Tool::Pub,
     {"-m", "x", "-f", "y"},
     "Error: Only one type of message can be sent at once.\n\n"},
    {"SecondMessageSourceNoValue",
     Tool::Pub,
     {"-n", "-l"},
     "Error: Only one type of message can be sent at once.\n\n"},
    {"SameMessageSourceTwice",
     Tool::Rr,
     {"-s", "--stdin-file"},
     "Error: Only one type of message can be sent at once.\n\n"},
    {"RepeatZero", Tool::Pub, {"--repeat", "0"}, "Error: --repeat argument must be >0.\n\n"},
    {"RepeatDelayNegative",
     Tool::Pub,
     {"--repeat-delay", "-0.5"},
     "Error: --repeat-delay argument must be >=0.0.\n\n"},
    {"ResponseTopicWildcard",
     Tool::Rr,
     {"-e", "r/#"},
     "Error: Invalid response topic 'r/#', does it contain '+' or '#'?\n"},
    {"CountZero", Tool::Sub, {"-C", "0"}, "Error: Invalid message count \"0\".\n\n"},
    {"TimeoutZero", Tool::Rr, {"-W", "0"}, "Error: Invalid timeout \"0\".\n\n"},
    {"FilterOutWildcard",
     Tool::Sub,
     {"-T", "a/#/b"},
     "Error: Invalid filter topic 'a/#/b', are all '+' and '#' wildcards correct?\n"},
    {"UnsubscribeWildcard",
     Tool::Sub,
     {"--unsubscribe", "+a"},
     "Error: Invalid unsubscribe topic '+a', are all '+' and '#' wildcards correct?\n"},
    {"RandomFilterZero",
     Tool::Sub,
     {"--random-filter", "0.05"},
     "Error: --random-filter chance must be between 0.1-100.0\n\n"},
    {"RandomFilterTooLarge",
     Tool::Sub,
     {"--random-filter", "1000.1"},
     "Error: --random-filter chance must be between 0.1-100.0\n\n"},
    {"FormatSpecifier", Tool::Sub, {"-F", "%Z"}, "Error: Invalid format specifier 'Z'.\n"},
    {"DuplicateOptionsFile",
     Tool::Pub,
     {"-o", "a", "-o", "b"},
     "Error: Duplicate -o argument given.\n\n"},
};

INSTANTIATE_TEST_SUITE_P(Flags, CliError, ::testing::ValuesIn(kFlagErrors), case_name);

// check_config: combinations, once every flag is read, in Mosquitto's order.
const ErrorCase kCombinationErrors[] = {
    {"WillPayloadWithoutTopic",
     Tool::Pub,
     {"-t", "a", "--will-payload", "x"},
     "Error: Will payload given, but no will topic given.\n"},
    {"WillRetainWithoutTopic",
     Tool::Pub,
     {"-t", "a", "--will-retain"},
     "Error: Will retain given, but no will topic given.\n"},
    {"CertWithoutKey",
     Tool::Pub,
     {"-t", "a", "--cert", "c"},
     "Error: Both certfile and keyfile must be provided if one of them is set.\n"},
    {"KeyWithoutCert",
     Tool::Pub,
     {"-t", "a", "--key", "k"},
     "Error: Both certfile and keyfile must be provided if one of them is set.\n"},
    {"KeyformWithoutKey",
     Tool::Pub,
     {"-t", "a", "--keyform", "pem"},
     "Error: If keyform is set, keyfile must be also specified.\n"},
    {"KpassWithoutEngine",
     Tool::Pub,
     {"-t", "a", "--cert", "c", "--key", "k", "--keyform", "pem", "--tls-engine-kpass-sha1", "x"},
     "Error: when using tls-engine-kpass-sha1, both tls-engine and keyform must also be "
     "provided.\n"},
    {"PskWithCafile",
     Tool::Pub,
     {"-t", "a", "--psk", "ab", "--psk-identity", "i", "--cafile", "c"},
     "Error: Only one of --psk or --cafile/--capath may be used at once.\n"},
    {"PskWithoutIdentity",
     Tool::Pub,
     {"-t", "a", "--psk", "ab"},
     "Error: --psk-identity required if --psk used.\n"},
    {"PersistentV3WithoutId",
     Tool::Sub,
     {"-t", "a", "-c"},
     "Error: You must provide a client id if you are using the -c option.\n"},
    {"PersistentV3WithIdPrefix",
     Tool::Sub,
     {"-t", "a", "-c", "-I", "p"},
     "Error: You must provide a client id if you are using the -c option.\n"},
    {"PersistentV5WithoutId",
     Tool::Sub,
     {"-t", "a", "-c", "-V", "5"},
     "Error: You must provide a client id if you are using an infinite session expiry "
     "interval.\n"},
    {"InfiniteExpiryWithoutId",
     Tool::Rr,
     {"-t", "a", "-x", "\xE2\x88\x9E"},
     "Error: You must provide a client id if you are using an infinite session expiry "
     "interval.\n"},
    {"SubWithoutTopic", Tool::Sub, {"-v"}, "Error: You must specify a topic to subscribe to.\n"},
};

INSTANTIATE_TEST_SUITE_P(Combinations, CliError, ::testing::ValuesIn(kCombinationErrors),
                         case_name);

// A flag given as the last word: "Error: FLAG argument given but no WHAT specified.", with the
// spelling Mosquitto uses for FLAG whichever alias was typed.
struct MissingValue {
    const char* flag;
    Tool tool;
    const char* message;
};

const MissingValue kMissingValues[] = {
    {"-A", Tool::Pub, "Error: -A argument given but no address specified.\n\n"},
    {"--cafile", Tool::Pub, "Error: --cafile argument given but no file specified.\n\n"},
    {"--capath", Tool::Pub, "Error: --capath argument given but no directory specified.\n\n"},
    {"--cert", Tool::Pub, "Error: --cert argument given but no file specified.\n\n"},
    {"--ciphers", Tool::Pub, "Error: --ciphers argument given but no ciphers specified.\n\n"},
    {"-C", Tool::Sub, "Error: -C argument given but no count specified.\n\n"},
    {"-e", Tool::Rr, "Error: -e argument given but no response topic specified.\n\n"},
    {"-f", Tool::Pub, "Error: -f argument given but no file specified.\n\n"},
    {"--file", Tool::Rr, "Error: -f argument given but no file specified.\n\n"},
    {"-F", Tool::Sub, "Error: -F argument given but no format specified.\n\n"},
    {"-h", Tool::Pub, "Error: -h argument given but no host specified.\n\n"},
    {"--host", Tool::Sub, "Error: -h argument given but no host specified.\n\n"},
    {"-i", Tool::Pub, "Error: -i argument given but no id specified.\n\n"},
    {"--id", Tool::Pub, "Error: -i argument given but no id specified.\n\n"},
    {"-I", Tool::Sub, "Error: -I argument given but no id prefix specified.\n\n"},
    {"--id-prefix", Tool::Sub, "Error: -I argument given but no id prefix specified.\n\n"},
    {"-k", Tool::Pub, "Error: -k argument given but no keepalive specified.\n\n"},
    {"--keepalive", Tool::Pub, "Error: -k argument given but no keepalive specified.\n\n"},
    {"--key", Tool::Pub, "Error: --key argument given but no file specified.\n\n"},
    {"--keyform", Tool::Pub, "Error: --keyform argument given but no keyform specified.\n\n"},
    {"-L", Tool::Pub, "Error: -L argument given but no URL specified.\n\n"},
    {"--url", Tool::Sub, "Error: -L argument given but no URL specified.\n\n"},
    {"-m", Tool::Pub, "Error: -m argument given but no message specified.\n\n"},
    {"--message", Tool::Rr, "Error: -m argument given but no message specified.\n\n"},
    {"-M", Tool::Pub, "Error: -M argument given but no max_inflight specified.\n\n"},
    {"-o", Tool::Pub, "Error: -o argument given but no options file specified.\n\n"},
    {"-p", Tool::Pub, "Error: -p argument given but no port specified.\n\n"},
    {"--port", Tool::Pub, "Error: -p argument given but no port specified.\n\n"},
    {"--proxy", Tool::Pub, "Error: --proxy argument given but no proxy URL specified.\n\n"},
    {"--psk", Tool::Pub, "Error: --psk argument given but no key specified.\n\n"},
    {"--psk-identity", Tool::Pub,
     "Error: --psk-identity argument given but no identity specified.\n\n"},
    {"-P", Tool::Pub, "Error: -P argument given but no password specified.\n\n"},
    {"--pw", Tool::Pub, "Error: -P argument given but no password specified.\n\n"},
    {"-q", Tool::Pub, "Error: -q argument given but no QoS specified.\n\n"},
    {"--qos", Tool::Sub, "Error: -q argument given but no QoS specified.\n\n"},
    {"--random-filter", Tool::Sub,
     "Error: --random-filter argument given but no chance specified.\n\n"},
    {"--repeat", Tool::Pub, "Error: --repeat argument given but no count specified.\n\n"},
    {"--repeat-delay", Tool::Pub,
     "Error: --repeat-delay argument given but no time specified.\n\n"},
    {"-t", Tool::Pub, "Error: -t argument given but no topic specified.\n\n"},
    {"--topic", Tool::Sub, "Error: -t argument given but no topic specified.\n\n"},
    {"-T", Tool::Sub, "Error: -T argument given but no topic filter specified.\n\n"},
    {"--filter-out", Tool::Sub, "Error: -T argument given but no topic filter specified.\n\n"},
    {"--tls-alpn", Tool::Pub, "Error: --tls-alpn argument given but no protocol specified.\n\n"},
    {"--tls-engine", Tool::Pub, "Error: --tls-engine argument given but no engine specified.\n\n"},
    {"--tls-engine-kpass-sha1", Tool::Pub,
     "Error: --tls-engine-kpass-sha1 argument given but no kpass sha1 specified.\n\n"},
    {"--tls-version", Tool::Pub,
     "Error: --tls-version argument given but no version specified.\n\n"},
    {"-U", Tool::Sub, "Error: -U argument given but no unsubscribe topic specified.\n\n"},
    {"--unsubscribe", Tool::Sub,
     "Error: -U argument given but no unsubscribe topic specified.\n\n"},
    {"-u", Tool::Pub, "Error: -u argument given but no username specified.\n\n"},
    {"--username", Tool::Pub, "Error: -u argument given but no username specified.\n\n"},
    {"--unix", Tool::Pub, "Error: --unix argument given but no socket path specified.\n\n"},
    {"-V", Tool::Pub, "Error: --protocol-version argument given but no version specified.\n\n"},
    {"--protocol-version", Tool::Sub,
     "Error: --protocol-version argument given but no version specified.\n\n"},
    {"-W", Tool::Sub, "Error: -W argument given but no timeout specified.\n\n"},
    {"--will-payload", Tool::Pub,
     "Error: --will-payload argument given but no will payload specified.\n\n"},
    {"--will-qos", Tool::Pub, "Error: --will-qos argument given but no will QoS specified.\n\n"},
    {"--will-topic", Tool::Pub,
     "Error: --will-topic argument given but no will topic specified.\n\n"},
    {"--ws-path", Tool::Pub, "Error: --ws-path argument given but no path specified.\n\n"},
    {"-x", Tool::Pub, "Error: -x argument given but no session expiry interval specified.\n\n"},
};

// gtest names hold letters and digits only; the index keeps -i and -I (-t and -T) apart.
template <typename Case>
std::string flag_case_name(const ::testing::TestParamInfo<Case>& case_info) {
    std::string name = tool_name(case_info.param.tool).substr(std::strlen("lampi-")) + "_";
    for (const char ch : std::string(case_info.param.flag)) {
        if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
    }
    return name + "_" + std::to_string(case_info.index);
}

void PrintTo(const MissingValue& c, std::ostream* os) { *os << c.flag; }

class CliMissingValue : public CliTest, public ::testing::WithParamInterface<MissingValue> {};

TEST_P(CliMissingValue, NamesTheFlagAndWhatIsMissing) {
    const Parsed p = parse(GetParam().tool, {GetParam().flag});
    EXPECT_EQ(p.status, ParseStatus::Error);
    EXPECT_EQ(p.err, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Flags, CliMissingValue, ::testing::ValuesIn(kMissingValues),
                         flag_case_name<MissingValue>);

// Flags of another tool are unknown, checked before the flag's value (or lack of one).
struct ForeignFlag {
    Tool tool;
    const char* flag;
};

std::vector<ForeignFlag> foreign_flags() {
    const std::pair<Tool, std::vector<const char*>> lists[] = {
        {Tool::Pub,
         {"-C", "-e", "-E", "-F", "-N", "--pretty", "-R", "--random-filter", "--remove-retained",
          "--retain-as-published", "--retained-only", "-T", "--filter-out", "-U", "--unsubscribe",
          "-v", "--verbose", "-W"}},
        {Tool::Sub,
         {"-e", "-f", "--file", "-l", "--stdin-line", "-m", "--message", "-n", "--null-message",
          "-r", "--retain", "--repeat", "--repeat-delay", "-s", "--stdin-file"}},
        {Tool::Rr,
         {"-C", "-E", "-l", "--stdin-line", "--random-filter", "--remove-retained",
          "--retained-only", "-r", "--retain", "--repeat", "--repeat-delay", "-T", "--filter-out",
          "-U", "--unsubscribe"}},
    };
    std::vector<ForeignFlag> out;
    for (const auto& [tool, flags] : lists) {
        for (const char* flag : flags) out.push_back({tool, flag});
    }
    return out;
}

void PrintTo(const ForeignFlag& c, std::ostream* os) { *os << tool_name(c.tool) << " " << c.flag; }

class CliForeignFlag : public CliTest, public ::testing::WithParamInterface<ForeignFlag> {};

TEST_P(CliForeignFlag, IsUnknownWithOrWithoutAValue) {
    const std::string expected = std::string("Error: Unknown option '") + GetParam().flag + "'.\n";
    const Parsed last = parse(GetParam().tool, {GetParam().flag});
    EXPECT_EQ(last.status, ParseStatus::Error);
    EXPECT_EQ(last.err, expected);
    const Parsed with_value = parse(GetParam().tool, {"-t", "a", GetParam().flag, "1"});
    EXPECT_EQ(with_value.err, expected);
}

INSTANTIATE_TEST_SUITE_P(Tools, CliForeignFlag, ::testing::ValuesIn(foreign_flags()),
                         flag_case_name<ForeignFlag>);

// Mosquitto checks -i against -I, and one message source, before reading the value.
TEST_F(CliTest, ConflictsAreReportedBeforeAMissingValue) {
    EXPECT_EQ(parse(Tool::Pub, {"-I", "p", "-i"}).err,
              "Error: -i and -I argument cannot be used together.\n\n");
    EXPECT_EQ(parse(Tool::Pub, {"-i", "c", "--id-prefix"}).err,
              "Error: -i and -I argument cannot be used together.\n\n");
    EXPECT_EQ(parse(Tool::Pub, {"-l", "-m"}).err,
              "Error: Only one type of message can be sent at once.\n\n");
    EXPECT_EQ(parse(Tool::Rr, {"-n", "--file"}).err,
              "Error: Only one type of message can be sent at once.\n\n");
}

TEST_F(CliTest, ForeignFlagIsReportedBeforeAConflict) {
    EXPECT_EQ(parse(Tool::Rr, {"-m", "x", "-l"}).err, "Error: Unknown option '-l'.\n");
}

TEST_F(CliTest, ParsingStopsAtTheFirstError) {
    EXPECT_EQ(parse(Tool::Pub, {"-q", "5", "-p", "99999", "--bogus"}).err,
              "Error: Invalid QoS given: 5\n");
}

}  // namespace
}  // namespace lampi::cli
