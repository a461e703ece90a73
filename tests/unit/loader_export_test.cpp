// uk export: its command line, the launch script's text, and the script itself run by sh
// against a stand-in QEMU that records its argv and exits as told, so the shell quoting,
// the guest's quoting of the script's own arguments (checked by the guest's parser) and the
// translation of QEMU's exit code are all tested without booting anything.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <uk/loader/export.h>
#include <uk/support/fs.h>
#include <uk/support/subprocess.h>

#include "kernel/cmdline.h"

using uk::loader::base64Lines;
using uk::loader::ExportOptions;
using uk::loader::firecrackerBootArgs;
using uk::loader::firecrackerConfig;
using uk::loader::launchScript;
using uk::loader::NetMode;
using uk::loader::parseExportOptions;
using uk::loader::RunOptions;
using uk::loader::ScriptImage;
using uk::loader::UsageError;

namespace {

using Words = std::vector<std::string>;

// The text between `from` (included) and the next `to` (excluded).
std::string between(const std::string& text, const std::string& from, const std::string& to) {
    size_t start = text.find(from);
    if (start == std::string::npos) {
        return "";
    }
    size_t end = text.find(to, start + from.size());
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// A stand-in for qemu-system-x86_64: appends its arguments (NUL after each, a newline after
// the last) to $FAKE_ARGS, says $FAKE_ERR on stderr, and exits with $FAKE_RC. With
// $FAKE_KVM_ABORT set, a run with "-accel kvm" says a KVM error and aborts, as QEMU 7.2 does
// on hosts whose KVM cannot run the guest.
constexpr char kFakeQemu[] = R"(#!/bin/sh
for a in "$@"; do printf '%s\0' "$a"; done >>"$FAKE_ARGS"
printf '\n' >>"$FAKE_ARGS"
case " $* " in
*" -accel kvm "*)
    if [ -n "${FAKE_KVM_ABORT:-}" ]; then
        echo 'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69 (kvm)' >&2
        kill -ABRT $$
    fi
    ;;
esac
[ -n "${FAKE_ERR:-}" ] && printf '%s\n' "$FAKE_ERR" >&2
exit "${FAKE_RC:-1}"
)";

struct ScriptRun {
    int status = -1;
    std::string out;
    std::string err;
    std::vector<Words> qemuRuns; // the argv of each QEMU run, without argv[0]
};

class ScriptFixture {
public:
    ScriptFixture() : dir_("uk-export-test") {
        uk::fs::writeFileAtomic(dir_.path() / "fake-qemu", kFakeQemu, true);
        uk::fs::writeFileAtomic(dir_.path() / "app.img", "not booted by the fake QEMU");
    }

    const std::filesystem::path& dir() const { return dir_.path(); }

    // Writes `script` and runs it with sh from another directory, with `env` ("NAME=VALUE")
    // and `args`.
    ScriptRun run(const std::string& script, const Words& env, const Words& args) {
        auto path = dir_.path() / "run.sh";
        uk::fs::writeFileAtomic(path, script, true);
        auto record = dir_.path() / "args";
        std::filesystem::remove(record);
        Words argv = {"env", "QEMU=" + (dir_.path() / "fake-qemu").string(),
                      "FAKE_ARGS=" + record.string(), "UK_ACCEL=auto"};
        argv.insert(argv.end(), env.begin(), env.end());
        argv.insert(argv.end(), {"sh", "-c", "cd / && exec sh \"$0\" \"$@\"", path.string()});
        argv.insert(argv.end(), args.begin(), args.end());
        uk::proc::Captured c = uk::proc::capture(argv);
        ScriptRun r;
        r.status = c.exit.shellStatus();
        r.out = c.out;
        r.err = c.err;
        std::error_code ec;
        if (std::filesystem::exists(record, ec)) {
            std::string text = uk::fs::readFile(record);
            Words words;
            std::string word;
            for (char ch : text) {
                if (ch == '\n') {
                    r.qemuRuns.push_back(words);
                    words.clear();
                } else if (ch == '\0') {
                    words.push_back(word);
                    word.clear();
                } else {
                    word += ch;
                }
            }
        }
        return r;
    }

private:
    uk::fs::TempDir dir_;
};

std::string valueAfter(const Words& argv, const std::string& option) {
    auto it = std::find(argv.begin(), argv.end(), option);
    return it == argv.end() || it + 1 == argv.end() ? "" : *(it + 1);
}

RunOptions runOptions(const Words& words) {
    return parseExportOptions([&] {
               Words all = words;
               all.insert(all.begin() + 1, {"--script", "out.sh"});
               return all;
           }())
        .run;
}

} // namespace

TEST_CASE("uk export: the command line") {
    ExportOptions o = parseExportOptions({"app.img", "--script", "run.sh", "--firecracker=vm.json",
                                          "--mem", "64M", "-e", "--embed=1", "--tap", "tap0",
                                          "--cpus=2", "--", "--script", "x"});
    CHECK(o.run.image == "app.img");
    CHECK(o.script == "run.sh");
    CHECK(o.firecracker == "vm.json");
    CHECK_FALSE(o.embed); // "--embed" was -e's value
    CHECK(o.run.env == Words{"--embed=1"});
    CHECK(o.run.memoryMiB == 64);
    CHECK(o.run.cpus == 2);
    CHECK(o.run.net == NetMode::Tap);
    CHECK(o.run.tapInterface == "tap0");
    CHECK(o.run.args == Words{"--script", "x"});

    CHECK(parseExportOptions({"app.img", "--script", "r.sh", "--embed"}).embed);
    CHECK(parseExportOptions({"--help"}).help);
    CHECK(parseExportOptions({"app.img", "-h", "--bogus"}).help);

    CHECK_THROWS_AS(parseExportOptions({"app.img"}), UsageError); // no output
    CHECK_THROWS_AS(parseExportOptions({"--script", "r.sh"}), UsageError);
    CHECK_THROWS_AS(parseExportOptions({"app.img", "--script"}), UsageError);
    CHECK_THROWS_AS(parseExportOptions({"app.img", "--script="}), UsageError);
    CHECK_THROWS_AS(parseExportOptions({"app.img", "--script", "r.sh", "--bogus"}), UsageError);
    CHECK_THROWS_AS(parseExportOptions({"app.img", "--firecracker", "v.json", "--embed"}),
                    UsageError);
    CHECK_THROWS_AS(parseExportOptions({"app.img", "--firecracker", "v.json", "-p", "80:80"}),
                    UsageError);
    for (const char* refused : {"--print-cmd", "--timeout=3", "--initrd=t.cpio"}) {
        CAPTURE(refused);
        try {
            parseExportOptions({"app.img", "--script", "r.sh", refused});
            FAIL("accepted");
        } catch (const UsageError& e) {
            CHECK(std::string(e.what()).find("not an option of uk export") != std::string::npos);
        }
    }
    try {
        parseExportOptions({"app.img", "--script", "r.sh", "--cpus", "x"});
        FAIL("accepted");
    } catch (const UsageError& e) {
        CHECK(std::string(e.what()).find("uk run --help") == std::string::npos);
    }
    // -p with both outputs is for the script (QEMU's user network).
    CHECK(parseExportOptions(
              {"app.img", "--script", "r.sh", "--firecracker", "v.json", "-p", "8080:80"})
              .run.publish.size() == 1);
}

TEST_CASE("uk export: the script's text") {
    RunOptions o = runOptions({"/images/app.img", "--net", "none", "--mem", "64M", "--", "a b"});
    std::string text = launchScript(o, {"../images/app.img", std::nullopt}, "run.sh");
    CHECK(text.rfind("#!/bin/sh\n", 0) == 0);
    CHECK(text.find("# usage: run.sh [ARGS...]") != std::string::npos);
    CHECK(text.find("cmdline='-- \"a b\"'\n") != std::string::npos);
    CHECK(text.find("image=$here/../images/app.img\n") != std::string::npos);
    CHECK(text.find("qemu=${QEMU:-qemu-system-x86_64}") != std::string::npos);
    CHECK(text.find("accel=${UK_ACCEL:-auto}") != std::string::npos);
    // Arguments are baked in, so the script's own follow them without another "--".
    CHECK(text.find("cmdline=${cmdline:+$cmdline }--") == std::string::npos);
    std::string qemu = between(text, "    \"$qemu\" \\\n", "pid=$!");
    CHECK(qemu.find("-machine microvm,") != std::string::npos);
    CHECK(qemu.find("rtc=on") != std::string::npos); // standalone: the guest reads the date
    CHECK(qemu.find("\"$@\" \\\n") != std::string::npos);
    CHECK(qemu.find("-accel") == std::string::npos); // chosen at run time
    CHECK(qemu.find("-m 64M \\\n") != std::string::npos);
    CHECK(qemu.find("-serial stdio \\\n") != std::string::npos);
    CHECK(qemu.find("-device isa-debug-exit,iobase=0xf4,iosize=0x04 \\\n") != std::string::npos);
    CHECK(qemu.find("-kernel \"$image\" \\\n") != std::string::npos);
    CHECK(qemu.find("-append \"$cmdline\" <&3 3<&- 2>\"$tmp/qemu.err\" &\n") != std::string::npos);
    CHECK(qemu.find("-netdev") == std::string::npos);
    CHECK(qemu.find("control") == std::string::npos); // no control channel
    CHECK(text.find("__UK_IMAGE_BASE64__") == std::string::npos);

    // --qemu and --accel are the defaults of $QEMU and $UK_ACCEL; -p and quoting of odd words.
    RunOptions p = runOptions({"/images/app.img", "--qemu", "/opt/q emu", "--accel", "tcg", "-p",
                               "8080:80", "-e", "X=it's $HOME"});
    text = launchScript(p, {"/abs/app.img", std::nullopt}, "r.sh");
    CHECK(text.find("qemu=${QEMU:-'/opt/q emu'}") != std::string::npos);
    CHECK(text.find("accel=${UK_ACCEL:-tcg}") != std::string::npos);
    CHECK(text.find("image=/abs/app.img\n") != std::string::npos);
    CHECK(text.find("-netdev user,id=net0,hostfwd=tcp:0.0.0.0:8080-:80 \\\n") != std::string::npos);
    CHECK(text.find("cmdline='uk.ip=10.0.2.15/24 uk.gw=10.0.2.2 uk.dns=10.0.2.3 "
                    "\"uk.env=X=it'\\''s $HOME\"'\n") != std::string::npos);
    CHECK(text.find("    cmdline=${cmdline:+$cmdline }--\n") != std::string::npos);

    // --embed: the image after the marker, in base64.
    text = launchScript(o, {"app.img", std::string("\x01\x02\x03hello", 8)}, "r.sh");
    CHECK(text.find("image=$tmp/app.img\n") != std::string::npos);
    CHECK(text.find("base64 -d") != std::string::npos);
    const std::string tail = "exit $(((rc - 1) / 2))\n__UK_IMAGE_BASE64__\nAQIDaGVsbG8=\n";
    CHECK(text.size() > tail.size());
    CHECK(text.substr(text.size() - tail.size()) == tail);
}

TEST_CASE("uk export: base64") {
    CHECK(base64Lines("") == "");
    CHECK(base64Lines("f") == "Zg==\n");
    CHECK(base64Lines("fo") == "Zm8=\n");
    CHECK(base64Lines("foo") == "Zm9v\n");
    CHECK(base64Lines("foobar") == "Zm9vYmFy\n");
    std::string bytes(57, '\xff'); // 76 characters exactly: one full line
    CHECK(base64Lines(bytes) == std::string(76, '/') + "\n");
    CHECK(base64Lines(bytes + "\xff") == std::string(76, '/') + "\n/w==\n");
}

TEST_CASE("uk export: the script run by sh passes odd arguments through both quotings") {
    ScriptFixture f;
    RunOptions o = runOptions({(f.dir() / "app.img").string(), "--net", "none", "-e",
                               "GREETING=a \"quoted\" $word", "--", "baked one", "it's"});
    std::string script = launchScript(o, {"app.img", std::nullopt}, "run.sh");
    Words odd = {"x $HOME y", "", "q\"uote", "back\\slash", "tab\there", "*", "-- --", "'single'"};
    ScriptRun r = f.run(script, {"FAKE_RC=7"}, odd);
    CHECK(r.status == 3); // (3 << 1) | 1
    REQUIRE(r.qemuRuns.size() == 1);
    const Words& argv = r.qemuRuns[0];
    CHECK(valueAfter(argv, "-kernel") == (f.dir() / "app.img").string());
    CHECK(valueAfter(argv, "-accel") == "kvm");
    CHECK(std::count(argv.begin(), argv.end(), "-accel") == 2); // kvm, then tcg
    CHECK(valueAfter(argv, "-cpu") == "max");
    CHECK(valueAfter(argv, "-m") == "128M");

    std::string line = valueAfter(argv, "-append");
    auto parsed = std::make_unique<uk::CommandLine>();
    REQUIRE(parsed->parse(line.c_str()));
    CHECK(std::string(parsed->value("uk.env")) == "GREETING=a \"quoted\" $word");
    Words args;
    for (size_t i = 0; i < parsed->argCount(); ++i) {
        args.emplace_back(parsed->arg(i));
    }
    Words want = {"baked one", "it's"};
    want.insert(want.end(), odd.begin(), odd.end());
    CHECK(args == want);

    // Nothing baked in: the script's arguments get their own "--".
    RunOptions bare = runOptions({(f.dir() / "app.img").string(), "--net", "none"});
    script = launchScript(bare, {"app.img", std::nullopt}, "run.sh");
    r = f.run(script, {"FAKE_RC=1"}, {"uk.verbose", "x"});
    CHECK(r.status == 0);
    REQUIRE(r.qemuRuns.size() == 1);
    CHECK(valueAfter(r.qemuRuns[0], "-append") == "-- uk.verbose x");
    r = f.run(script, {"FAKE_RC=1"}, {});
    REQUIRE(r.qemuRuns.size() == 1);
    CHECK(valueAfter(r.qemuRuns[0], "-append") == "");
}

TEST_CASE("uk export: the script's exit status") {
    ScriptFixture f;
    RunOptions o = runOptions({(f.dir() / "app.img").string(), "--net", "none"});
    std::string script = launchScript(o, {"app.img", std::nullopt}, "run.sh");
    struct Case {
        Words env;
        int status;
        const char* err; // a part of stderr, or nullptr
    };
    const Case cases[] = {
        {{"FAKE_RC=1"}, 0, nullptr},
        {{"FAKE_RC=255"}, 127, nullptr},
        {{"FAKE_RC=251"}, 125, nullptr}, // the library OS's panic status
        {{"FAKE_RC=1", "FAKE_ERR=qemu-system-x86_64: warning: something"}, 0, "warning"},
        {{"FAKE_RC=1", "FAKE_ERR=qemu-system-x86_64: -netdev user: port in use"},
         125,
         "QEMU failed (exit status 1)"},
        {{"FAKE_RC=2"}, 125, "QEMU failed (exit status 2)"},
        {{"FAKE_RC=0"}, 125, "without an exit status"},
        {{"FAKE_RC=0", "FAKE_ERR=qemu-system-x86_64: terminating on signal 15 from pid 1 (sh)"},
         143,
         nullptr},
        // QEMU's own fallback when KVM does not initialize: its notes are not errors.
        {{"FAKE_RC=1", "FAKE_ERR=qemu-system-x86_64: -accel kvm: failed to initialize kvm: No "
                       "such file or directory\nqemu-system-x86_64: falling back to tcg"},
         0,
         nullptr},
        {{"UK_ACCEL=bogus"}, 125, "UK_ACCEL must be auto, kvm or tcg"},
        {{"QEMU=/nonexistent/qemu"}, 125, "cannot find QEMU"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.env);
        ScriptRun r = f.run(script, c.env, {});
        CHECK(r.status == c.status);
        if (c.err != nullptr) {
            CHECK(r.err.find(c.err) != std::string::npos);
        } else {
            CHECK(r.err.find("run.sh:") == std::string::npos);
        }
    }

    // A KVM that opens but cannot run the guest: once more under TCG, said on stderr.
    ScriptRun r = f.run(script, {"FAKE_KVM_ABORT=1", "FAKE_RC=9"}, {});
    CHECK(r.status == 4);
    CHECK(r.err.find("KVM could not run the guest") != std::string::npos);
    CHECK(r.err.find("Aborted") == std::string::npos);
    REQUIRE(r.qemuRuns.size() == 2);
    CHECK(valueAfter(r.qemuRuns[1], "-accel") == "tcg");
    CHECK(std::count(r.qemuRuns[1].begin(), r.qemuRuns[1].end(), "-accel") == 1);
    // ... but not when KVM was asked for.
    r = f.run(script, {"FAKE_KVM_ABORT=1", "UK_ACCEL=kvm"}, {});
    CHECK(r.status == 125);
    CHECK(r.err.find("killed by signal 6") != std::string::npos);
    REQUIRE(r.qemuRuns.size() == 1);
    CHECK(valueAfter(r.qemuRuns[0], "-cpu") == "host");

    // The image must be there.
    std::filesystem::rename(f.dir() / "app.img", f.dir() / "moved.img");
    r = f.run(script, {}, {});
    CHECK(r.status == 125);
    CHECK(r.err.find("cannot read the image") != std::string::npos);
    CHECK(r.qemuRuns.empty());
}

TEST_CASE("uk export: the embedded image is unpacked for QEMU") {
    ScriptFixture f;
    RunOptions o = runOptions({(f.dir() / "app.img").string(), "--net", "none"});
    std::string image(300, '\0');
    for (size_t i = 0; i < image.size(); ++i) {
        image[i] = static_cast<char>(i * 7);
    }
    std::string script = launchScript(o, {"app.img", image}, "run.sh");
    // The fake QEMU copies what it was given, for the test to compare.
    std::string copying = "#!/bin/sh\nprev=\nfor a in \"$@\"; do\n"
                          "    [ \"$prev\" = -kernel ] && cp \"$a\" " +
                          (f.dir() / "unpacked").string() + "\n    prev=$a\ndone\nexit 1\n";
    uk::fs::writeFileAtomic(f.dir() / "fake-qemu", copying, true);
    ScriptRun r = f.run(script, {}, {});
    CHECK(r.status == 0);
    CHECK(uk::fs::readFile(f.dir() / "unpacked") == image);
}

TEST_CASE("uk export: Firecracker") {
    RunOptions o =
        runOptions({"/images/app.img", "--cpus", "2", "--mem", "256M", "-e", "A=b c", "--", "x y"});
    // The default user network does not exist on Firecracker: no NIC, no uk.ip.
    CHECK(firecrackerBootArgs(o) == "\"uk.env=A=b c\" -- \"x y\"");
    auto config = nlohmann::json::parse(firecrackerConfig(o, "/images/app.img"));
    CHECK(config["boot-source"]["kernel_image_path"] == "/images/app.img");
    CHECK(config["boot-source"]["boot_args"] == "\"uk.env=A=b c\" -- \"x y\"");
    CHECK(config["drives"] == nlohmann::json::array());
    CHECK(config["machine-config"]["vcpu_count"] == 2);
    CHECK(config["machine-config"]["mem_size_mib"] == 256);
    CHECK_FALSE(config.contains("network-interfaces"));
    CHECK_FALSE(config.contains("logger"));

    // An empty command line is still given: Firecracker's default would reach the app.
    RunOptions bare = runOptions({"/images/app.img"});
    config = nlohmann::json::parse(firecrackerConfig(bare, "/images/app.img"));
    REQUIRE(config["boot-source"].contains("boot_args"));
    CHECK(config["boot-source"]["boot_args"] == "");

    RunOptions tap = runOptions(
        {"/images/app.img", "--tap", "tap7", "--ip", "192.168.7.2/24", "--gw", "192.168.7.1"});
    config = nlohmann::json::parse(firecrackerConfig(tap, "/images/app.img"));
    CHECK(config["boot-source"]["boot_args"] == "uk.ip=192.168.7.2/24 uk.gw=192.168.7.1");
    REQUIRE(config["network-interfaces"].size() == 1);
    CHECK(config["network-interfaces"][0]["iface_id"] == "net0");
    CHECK(config["network-interfaces"][0]["host_dev_name"] == "tap7");
    CHECK(config["network-interfaces"][0]["guest_mac"] == "52:54:00:12:34:56");

    // What Firecracker would refuse or corrupt.
    CHECK_THROWS_AS(firecrackerBootArgs(runOptions({"/i.img", "--", "tab\there"})), uk::Error);
    CHECK_THROWS_AS(firecrackerBootArgs(runOptions({"/i.img", "--", "caf\xc3\xa9"})), uk::Error);
    CHECK_THROWS_AS(firecrackerBootArgs(runOptions({"/i.img", "--", std::string(2100, 'x')})),
                    uk::Error);
    CHECK_THROWS_AS(firecrackerBootArgs(runOptions({"/i.img", "--tap", "t0", "--", "a -- b"})),
                    uk::Error);
    CHECK_THROWS_AS(
        firecrackerBootArgs(runOptions({"/i.img", "--tap", "t0", "-e", "X=a -- b", "--", "y"})),
        uk::Error);
    // " -- " as the separator itself is fine, and without a NIC nothing is inserted.
    CHECK(firecrackerBootArgs(runOptions({"/i.img", "--tap", "t0", "-e", "X=1", "--", "y"})) ==
          "uk.env=X=1 -- y");
    CHECK(firecrackerBootArgs(runOptions({"/i.img", "--", "a -- b"})) == "-- \"a -- b\"");
    CHECK_THROWS_AS(firecrackerConfig(runOptions({"/i.img", "--cpus", "33"}), "/i.img"), uk::Error);
}
