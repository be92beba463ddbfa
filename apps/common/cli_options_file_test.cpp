// The options file: -o FILE, else $XDG_CONFIG_HOME/mosquitto_TOOL, else
// ~/.config/mosquitto_TOOL; one flag per line, its value the rest of the line; read before argv.
#include <stdlib.h>

#include <string>
#include <vector>

#include "apps/common/cli_test_support.h"

namespace lampi::cli {
namespace {

using test::CliTest;
using test::parse;
using test::Parsed;

class OptionsFile : public CliTest {};

TEST_F(OptionsFile, EachLineIsAFlagAndTheRestOfTheLine) {
    const std::string path = write_file("opts",
                                        "# a comment\n"
                                        "\n"
                                        "   \n"
                                        "  -t  a b/c\n"
                                        "-m hello  world \n"
                                        "-q 1\r\n"
                                        "-r\n"
                                        "--will-retain\r\n"
                                        "--will-topic w\n");
    const Parsed p = parse(Tool::Pub, {"-o", path});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.topic, "a b/c");
    EXPECT_EQ(p.cfg.message, "hello  world ");
    EXPECT_EQ(p.cfg.qos, 1);
    EXPECT_TRUE(p.cfg.retain);
    EXPECT_TRUE(p.cfg.will_retain);
    EXPECT_EQ(p.cfg.will_topic, "w");
}

TEST_F(OptionsFile, CommandLineComesAfterTheFile) {
    const std::string path = write_file("opts", "-q 1\n-t from/file\n");
    const Parsed p = parse(Tool::Sub, {"-q", "2", "-o", path, "-t", "from/argv"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.qos, 2);
    EXPECT_EQ(p.cfg.topics, (std::vector<std::string>{"from/file", "from/argv"}));
}

TEST_F(OptionsFile, StateCarriesOverBetweenFileAndCommandLine) {
    const std::string path = write_file("opts", "-m from-file\n");
    EXPECT_EQ(parse(Tool::Pub, {"-o", path, "-t", "a", "-n"}).err,
              "Error: Only one type of message can be sent at once.\n\n");
    const std::string id = write_file("id", "-I prefix\n");
    EXPECT_EQ(parse(Tool::Pub, {"-o", id, "-i", "x"}).err,
              "Error: -i and -I argument cannot be used together.\n\n");
}

TEST_F(OptionsFile, AnErrorInTheFileSkipsTheCommandLine) {
    const std::string path = write_file("opts", "-q 3\n-t a\n");
    const Parsed p = parse(Tool::Pub, {"-o", path, "--bogus"});
    EXPECT_EQ(p.status, ParseStatus::Error);
    EXPECT_EQ(p.err, "Error: Invalid QoS given: 3\n");
}

TEST_F(OptionsFile, UnknownFlagInTheFile) {
    const std::string path = write_file("opts", "-v\n");
    const Parsed p = parse(Tool::Pub, {"-o", path});
    EXPECT_EQ(p.status, ParseStatus::Error);
    EXPECT_EQ(p.err, "Error: Unknown option '-v'.\n");
}

TEST_F(OptionsFile, FlagWithoutItsValueInTheFile) {
    const std::string path = write_file("opts", "-t   \n");
    EXPECT_EQ(parse(Tool::Pub, {"-o", path}).err,
              "Error: -t argument given but no topic specified.\n\n");
}

// The rest of the line is one word, so -D, which needs three, cannot be used in a file.
TEST_F(OptionsFile, PropertyNeedsMoreThanOneLineValue) {
    const std::string path = write_file("opts", "-D publish content-type text\n");
    EXPECT_EQ(parse(Tool::Pub, {"-o", path, "-t", "a"}).err,
              "Error: --property argument given but not enough arguments specified.\n\n");
}

TEST_F(OptionsFile, HelpOrVersionInTheFileStopsBeforeTheCommandLine) {
    const std::string help = write_file("help", "--help\n-q 7\n");
    const Parsed h = parse(Tool::Sub, {"-o", help, "--bogus"});
    EXPECT_EQ(h.status, ParseStatus::Help);
    EXPECT_EQ(h.err, "");
    const std::string version = write_file("version", "--version\n");
    EXPECT_EQ(parse(Tool::Pub, {"-o", version, "-q", "9"}).status, ParseStatus::Version);
}

TEST_F(OptionsFile, MissingFileIsIgnored) {
    const Parsed p = parse(Tool::Pub, {"-o", (dir() / "nothing-here").string(), "-t", "a"});
    EXPECT_EQ(p.status, ParseStatus::Ok);
    EXPECT_EQ(p.err, "");
}

TEST_F(OptionsFile, DefaultIsXdgConfigHomeMosquittoTool) {
    write_file("mosquitto_sub", "-t from/xdg\n-v\n");
    write_file("mosquitto_pub", "-q 2\n");
    const Parsed p = parse(Tool::Sub, {});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.topics, std::vector<std::string>{"from/xdg"});
    EXPECT_TRUE(p.cfg.verbose);
    EXPECT_EQ(p.cfg.qos, 0);
}

TEST_F(OptionsFile, WithoutXdgConfigHomeItIsHomeDotConfig) {
    write_file(".config/mosquitto_rr", "-e resp\n");
    unsetenv("XDG_CONFIG_HOME");
    const Parsed p = parse(Tool::Rr, {"-t", "req"});
    ASSERT_EQ(p.status, ParseStatus::Ok) << p.err;
    EXPECT_EQ(p.cfg.response_topic, "resp");
}

TEST_F(OptionsFile, OptionGivenReplacesTheDefaultFile) {
    write_file("mosquitto_pub", "-q 2\n");
    const std::string path = write_file("mine", "-q 1\n");
    EXPECT_EQ(parse(Tool::Pub, {"-t", "a", "-o", path}).cfg.qos, 1);
}

}  // namespace
}  // namespace lampi::cli
