// httpd: a small HTTP/1.1 server, the subject of uk's network benchmark (bench/http). The
// same source builds with `uk build` and, for comparison, as a plain Linux program.
//
//   httpd [--port N] [--root DIR]
//
// Routes: /        a small fixed HTML page (what the benchmark fetches)
//         /health  "ok\n"
//         /bytes/N N bytes (at most 64 MiB) of "0123456789abcdef" repeated, so that a test
//                  can check them: byte i is "0123456789abcdef"[i % 16]
//         other    with --root, the regular file at that path under DIR
// GET and HEAD only; keep-alive and pipelining as RFC 9112 has them.
//
// One thread, non-blocking sockets and one epoll set, level-triggered: a ready connection
// costs one read per wake-up (edge-triggered would need a second read to see EAGAIN), a
// connection with much to say cannot starve the others (what is left is reported again on
// the next epoll_wait), and the interest is always what the connection waits for: input,
// or room to write while a response is queued.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024; // request line and headers; more gets 431
constexpr uint64_t kMaxBytesRoute = 64ull << 20;
constexpr size_t kReadSize = 64 * 1024;
// Requests stop being parsed while this much output is queued, and a streamed body is
// produced in chunks of this size: a 64 MiB response never sits in memory, and a client that
// pipelines without reading cannot make the server buffer without bound.
constexpr size_t kOutputChunk = 256 * 1024;
constexpr size_t kMaxDrainBytes = 1 << 20;

constexpr std::string_view kPattern = "0123456789abcdef";
constexpr std::string_view kIndexPage =
    "<!DOCTYPE html>\n<html><head><title>uk httpd</title></head>\n"
    "<body><h1>Hello from uk!</h1><p>A small HTTP/1.1 server.</p></body></html>\n";

// A response body still to be produced: the byte pattern (fd < 0) or a file's contents.
struct Body {
    int fd = -1;
    uint64_t offset = 0; // position in the pattern or the file
    uint64_t remaining = 0;
};

struct Connection {
    explicit Connection(int socket) : fd(socket) {}
    ~Connection() {
        if (body.fd >= 0) {
            close(body.fd);
        }
        close(fd);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    size_t queued() const { return out.size() - sent; }

    int fd;
    std::string in; // received bytes; requests before `parsed` have been answered
    size_t parsed = 0;
    std::string out; // response bytes; those before `sent` are written
    size_t sent = 0;
    Body body;
    uint32_t interest = EPOLLIN;
    bool closeAfter = false; // the last queued response ends the connection
    bool peerClosed = false; // the client shut its side: answer what came, then close
    bool draining = false;   // our side is shut; what the client still sends is discarded
    size_t drained = 0;
};

struct Request {
    std::string_view method;
    std::string_view target;
    bool http10 = false;
    bool keepAlive = true;
    bool hasBody = false; // a body this server does not read: the connection closes after
};

// How a response goes out: with or without its body, and what it says about the connection.
struct Answer {
    bool head = false;      // a HEAD request: the header alone
    bool keepAlive = false; // false: "Connection: close", and the connection ends after it
    bool http10 = false;    // an HTTP/1.0 client kept alive is told so
};

bool isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool isToken(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), isTokenChar);
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// A decimal number of at most `max`, digits only (no sign, no spaces).
bool parseNumber(std::string_view s, uint64_t max, uint64_t& value) {
    if (s.empty() ||
        !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
    }
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    return ec == std::errc() && end == s.data() + s.size() && value <= max;
}

// Where the head of the request at the start of `data` ends (just past its empty line), or
// npos while it is incomplete. Bare LF line ends are accepted, as RFC 9112 allows.
size_t headEnd(std::string_view data) {
    for (size_t pos = data.find('\n'); pos != std::string_view::npos;
         pos = data.find('\n', pos + 1)) {
        if (pos + 1 < data.size() && data[pos + 1] == '\n') {
            return pos + 2;
        }
        if (pos + 2 < data.size() && data[pos + 1] == '\r' && data[pos + 2] == '\n') {
            return pos + 3;
        }
    }
    return std::string_view::npos;
}

// Parses a request head (request line, header lines, the empty line). Returns 0, or the
// status of the error response: 400, or 505 for an HTTP version other than 1.x.
int parseHead(std::string_view head, Request& req) {
    bool first = true;
    int hosts = 0;
    bool haveLength = false;
    uint64_t length = 0;
    while (!head.empty()) {
        size_t nl = head.find('\n');
        std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            break;
        }
        if (first) {
            first = false;
            size_t sp1 = line.find(' ');
            size_t sp2 = line.rfind(' ');
            if (sp1 == std::string_view::npos || sp1 == sp2) {
                return 400;
            }
            req.method = line.substr(0, sp1);
            req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            std::string_view version = line.substr(sp2 + 1);
            bool targetOk = req.target.starts_with("/") || req.target == "*" ||
                            req.target.starts_with("http://") || req.target.starts_with("https://");
            if (!isToken(req.method) || !targetOk ||
                std::any_of(req.target.begin(), req.target.end(),
                            [](char c) { return c <= ' ' || c == 0x7f; })) {
                return 400;
            }
            if (version.size() != 8 || !version.starts_with("HTTP/") || version[6] != '.' ||
                !isdigit(static_cast<unsigned char>(version[5])) ||
                !isdigit(static_cast<unsigned char>(version[7]))) {
                return 400;
            }
            if (version[5] != '1') {
                return 505;
            }
            req.http10 = version[7] == '0';
            req.keepAlive = !req.http10;
            continue;
        }
        size_t colon = line.find(':');
        // No whitespace before the colon, and no obsolete line folding (RFC 9112 5.1, 5.2).
        if (colon == std::string_view::npos || !isToken(line.substr(0, colon))) {
            return 400;
        }
        std::string_view name = line.substr(0, colon);
        std::string_view value = trim(line.substr(colon + 1));
        if (equalsIgnoreCase(name, "host")) {
            hosts++;
        } else if (equalsIgnoreCase(name, "connection")) {
            while (!value.empty()) {
                size_t comma = value.find(',');
                std::string_view option = trim(value.substr(0, comma));
                if (equalsIgnoreCase(option, "close")) {
                    req.keepAlive = false;
                } else if (equalsIgnoreCase(option, "keep-alive") && req.http10) {
                    req.keepAlive = true;
                }
                value = comma == std::string_view::npos ? "" : value.substr(comma + 1);
            }
        } else if (equalsIgnoreCase(name, "content-length")) {
            uint64_t n = 0;
            if (!parseNumber(value, UINT64_MAX, n) || (haveLength && n != length)) {
                return 400;
            }
            haveLength = true;
            length = n;
            req.hasBody = req.hasBody || n > 0;
        } else if (equalsIgnoreCase(name, "transfer-encoding")) {
            req.hasBody = true;
        }
    }
    // HTTP/1.1 requests carry exactly one Host (RFC 9112 3.2).
    if (first || (!req.http10 && hosts != 1) || hosts > 1) {
        return 400;
    }
    return 0;
}

const char* reason(int status) {
    static constexpr std::pair<int, const char*> kReasons[] = {
        {200, "OK"},
        {400, "Bad Request"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {431, "Request Header Fields Too Large"},
        {505, "HTTP Version Not Supported"},
    };
    for (auto [code, text] : kReasons) {
        if (code == status) {
            return text;
        }
    }
    return "Internal Server Error";
}

std::string_view contentType(std::string_view path) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".txt", "text/plain; charset=utf-8"},
        {".css", "text/css"},
        {".js", "text/javascript"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
    };
    for (auto [suffix, type] : kTypes) {
        if (path.ends_with(suffix)) {
            return type;
        }
    }
    return "application/octet-stream";
}

void appendNumber(std::string& out, uint64_t n) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr - digits);
}

// Decodes %XX escapes in a request path. False for a bad escape or an encoded NUL.
bool percentDecode(std::string_view in, std::string& out) {
    for (size_t i = 0; i < in.size(); i++) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        unsigned value = 0;
        if (i + 2 >= in.size() ||
            std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16).ptr !=
                in.data() + i + 3 ||
            value == 0) {
            return false;
        }
        out += static_cast<char>(value);
        i += 2;
    }
    return true;
}

class Server {
public:
    Server(int listener, std::string root) : listener_(listener), root_(std::move(root)) {}

    int run() {
        epoll_ = epoll_create1(EPOLL_CLOEXEC);
        if (epoll_ < 0) {
            std::fprintf(stderr, "httpd: epoll_create1: %s\n", std::strerror(errno));
            return 1;
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = nullptr; // the listener; connections carry their Connection*
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &ev) < 0) {
            std::fprintf(stderr, "httpd: epoll_ctl: %s\n", std::strerror(errno));
            return 1;
        }
        epoll_event events[128];
        for (;;) {
            int n = epoll_wait(epoll_, events, 128, -1);
            if (n < 0 && errno != EINTR) {
                std::fprintf(stderr, "httpd: epoll_wait: %s\n", std::strerror(errno));
                return 1;
            }
            for (int i = 0; i < n; i++) {
                auto* c = static_cast<Connection*>(events[i].data.ptr);
                if (c == nullptr) {
                    acceptAll();
                } else if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                    onReadable(*c);
                } else if (events[i].events & EPOLLOUT) {
                    process(*c);
                }
            }
        }
    }

private:
    void acceptAll() {
        for (;;) {
            int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) {
                    continue;
                }
                // EMFILE and the like: the listener stays ready, so this is retried on the
                // next round, after connections may have closed. Said once, not each round.
                if (errno != EAGAIN && errno != EWOULDBLOCK && !acceptFailing_) {
                    std::fprintf(stderr, "httpd: accept4: %s\n", std::strerror(errno));
                    acceptFailing_ = true;
                }
                return;
            }
            acceptFailing_ = false;
            // Responses go out in one write each: waiting for an ACK (Nagle) would only
            // delay them. Not fatal where the stack lacks the option.
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            auto c = std::make_unique<Connection>(fd);
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.ptr = c.get();
            if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) < 0) {
                std::fprintf(stderr, "httpd: epoll_ctl: %s\n", std::strerror(errno));
                continue; // closes fd
            }
            connections_.emplace(fd, std::move(c));
        }
    }

    void drop(Connection& c) {
        epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
        connections_.erase(c.fd); // closes the socket
    }

    void setInterest(Connection& c, uint32_t events) {
        if (c.interest == events) {
            return;
        }
        epoll_event ev{};
        ev.events = events;
        ev.data.ptr = &c;
        epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
        c.interest = events;
    }

    void onReadable(Connection& c) {
        static char buffer[kReadSize];
        ssize_t n = read(c.fd, buffer, sizeof buffer);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        }
        if (n < 0 || (c.draining && (n == 0 || (c.drained += n) > kMaxDrainBytes))) {
            drop(c);
            return;
        }
        if (c.draining) {
            return;
        }
        if (n == 0) {
            c.peerClosed = true;
        } else {
            c.in.append(buffer, n);
        }
        process(c);
    }

    // Answers the requests received, in order, and writes what it can; then waits for the
    // socket to take more output, for more input, or closes.
    void process(Connection& c) {
        for (;;) {
            bool held = false; // requests wait for queued output to go out first
            while (!c.closeAfter) {
                if (c.body.remaining > 0 || c.queued() >= kOutputChunk) {
                    held = true;
                    break;
                }
                if (!answerOne(c)) {
                    break;
                }
            }
            if (!flush(c)) {
                drop(c);
                return;
            }
            if (c.queued() > 0 || c.body.remaining > 0) {
                setInterest(c, EPOLLOUT);
                return;
            }
            if (c.closeAfter || c.peerClosed) {
                finish(c);
                return;
            }
            if (!held) {
                break; // everything received is answered
            }
        }
        setInterest(c, EPOLLIN);
    }

    // Ends a connection once its last response is out. Our side is shut first and what the
    // client still sends is read and dropped: closing with unread input would make the
    // kernel reset the connection, which can destroy the response before the client reads it.
    void finish(Connection& c) {
        if (c.peerClosed || shutdown(c.fd, SHUT_WR) < 0) {
            drop(c);
            return;
        }
        c.draining = true;
        c.in.clear();
        setInterest(c, EPOLLIN);
    }

    // Writes queued output, producing streamed body bytes as room appears. False when the
    // connection failed.
    bool flush(Connection& c) {
        for (;;) {
            if (c.queued() < kOutputChunk && c.body.remaining > 0 && !produce(c)) {
                return false;
            }
            if (c.queued() == 0) {
                c.out.clear();
                c.sent = 0;
                return true;
            }
            ssize_t n = write(c.fd, c.out.data() + c.sent, c.queued());
            if (n < 0) {
                return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
            }
            c.sent += n;
        }
    }

    // Appends up to kOutputChunk bytes of the pending body to the output.
    bool produce(Connection& c) {
        c.out.erase(0, c.sent);
        c.sent = 0;
        size_t size = std::min<uint64_t>(c.body.remaining, kOutputChunk);
        size_t start = c.out.size();
        c.out.resize(start + size);
        char* dst = c.out.data() + start;
        if (c.body.fd < 0) {
            for (size_t i = 0; i < size; i++) {
                dst[i] = kPattern[(c.body.offset + i) % kPattern.size()];
            }
        } else {
            ssize_t n = pread(c.body.fd, dst, size, static_cast<off_t>(c.body.offset));
            if (n <= 0) {
                return false; // the file shrank: the promised length cannot be sent
            }
            size = static_cast<size_t>(n);
            c.out.resize(start + size);
        }
        c.body.offset += size;
        c.body.remaining -= size;
        if (c.body.remaining == 0 && c.body.fd >= 0) {
            close(c.body.fd);
            c.body.fd = -1;
        }
        return true;
    }

    // Answers the first unanswered request, if it has arrived whole. False when it has not.
    bool answerOne(Connection& c) {
        std::string_view data(c.in);
        data.remove_prefix(c.parsed);
        // Empty lines before a request line are ignored (RFC 9112 2.2).
        size_t skip = data.find_first_not_of("\r\n");
        if (skip == std::string_view::npos) {
            skip = data.size();
        }
        data.remove_prefix(skip);
        c.parsed += skip;
        size_t end = headEnd(data);
        if (end == std::string_view::npos || end > kMaxHeaderBytes) {
            if (data.size() <= kMaxHeaderBytes) {
                return false;
            }
            error(c, Answer{}, 431);
            return true;
        }
        Request req;
        int status = parseHead(data.substr(0, end), req);
        c.parsed += end;
        if (status != 0) {
            error(c, Answer{}, status);
        } else {
            respond(c, req);
        }
        // What is answered is dropped once all of it is, or once it grows large.
        if (c.parsed == c.in.size() || c.parsed > kReadSize) {
            c.in.erase(0, c.parsed);
            c.parsed = 0;
        }
        return true;
    }

    void respond(Connection& c, const Request& req) {
        Answer a{req.method == "HEAD", req.keepAlive && !req.hasBody, req.http10};
        if (!a.head && req.method != "GET") {
            error(c, a, 405, "Allow: GET, HEAD\r\n");
            return;
        }
        std::string_view path = req.target;
        // The absolute form (a proxy's) names the same resource (RFC 9112 3.2.2).
        if (path.starts_with("http://") || path.starts_with("https://")) {
            size_t slash = path.find('/', path.find("//") + 2);
            path = slash == std::string_view::npos ? "/" : path.substr(slash);
        }
        path = path.substr(0, path.find_first_of("?#"));
        if (path == "/") {
            reply(c, a, 200, "text/html; charset=utf-8", kIndexPage);
        } else if (path == "/health") {
            reply(c, a, 200, "text/plain", "ok\n");
        } else if (path.starts_with("/bytes/")) {
            uint64_t n = 0;
            if (!parseNumber(path.substr(7), kMaxBytesRoute, n)) {
                error(c, a, 400);
                return;
            }
            header(c, a, 200, "application/octet-stream", n);
            if (!a.head) {
                c.body = Body{-1, 0, n};
            }
        } else if (!root_.empty() && path.starts_with("/")) {
            serveFile(c, a, path);
        } else {
            error(c, a, 404);
        }
    }

    void serveFile(Connection& c, const Answer& a, std::string_view path) {
        std::string decoded;
        if (!percentDecode(path, decoded)) {
            error(c, a, 400);
            return;
        }
        // No segment may climb out of the root (or be "." or empty, which no link needs).
        std::string_view rest(decoded);
        rest.remove_prefix(1);
        for (size_t start = 0; start <= rest.size();) {
            size_t slash = std::min(rest.find('/', start), rest.size());
            std::string_view segment = rest.substr(start, slash - start);
            if (segment == ".." || segment == "." || (segment.empty() && slash < rest.size())) {
                error(c, a, 403);
                return;
            }
            start = slash + 1;
        }
        std::string file = root_ + decoded;
        struct stat st {};
        if (stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            file += file.back() == '/' ? "index.html" : "/index.html";
        }
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            if (fd >= 0) {
                close(fd);
            }
            error(c, a, 404);
            return;
        }
        uint64_t size = static_cast<uint64_t>(st.st_size);
        header(c, a, 200, contentType(file), size);
        if (a.head || size == 0) {
            close(fd);
            return;
        }
        c.body = Body{fd, 0, size};
    }

    void header(Connection& c, const Answer& a, int status, std::string_view type, uint64_t length,
                std::string_view extra = {}) {
        c.out += "HTTP/1.1 ";
        appendNumber(c.out, status);
        c.out += ' ';
        c.out += reason(status);
        c.out += "\r\nServer: uk-httpd\r\nContent-Type: ";
        c.out += type;
        c.out += "\r\nContent-Length: ";
        appendNumber(c.out, length);
        c.out += "\r\n";
        if (!a.keepAlive) {
            c.out += "Connection: close\r\n";
            c.closeAfter = true;
        } else if (a.http10) {
            c.out += "Connection: keep-alive\r\n";
        }
        c.out += extra;
        c.out += "\r\n";
    }

    void reply(Connection& c, const Answer& a, int status, std::string_view type,
               std::string_view body, std::string_view extra = {}) {
        header(c, a, status, type, body.size(), extra);
        if (!a.head) {
            c.out += body;
        }
    }

    void error(Connection& c, const Answer& a, int status, std::string_view extra = {}) {
        std::string body = std::to_string(status) + ' ' + reason(status) + '\n';
        reply(c, a, status, "text/plain", body, extra);
    }

    int listener_;
    int epoll_ = -1;
    std::string root_;
    bool acceptFailing_ = false;
    std::unordered_map<int, std::unique_ptr<Connection>> connections_;
};

const char* kUsage = R"(usage: httpd [--port N] [--root DIR]

A small HTTP/1.1 server (GET and HEAD, keep-alive, pipelining).
  --port N     the TCP port to listen on (default: $PORT, else 8080; 0 picks a free one)
  --root DIR   also serve the regular files under DIR (index.html for a directory)
  -h, --help   show this help
Routes: /  a small HTML page;  /health  "ok";  /bytes/N  N bytes (N <= 67108864) of
"0123456789abcdef" repeated. Prints "httpd: listening on port N" once it accepts.
)";

[[noreturn]] void usageError(const std::string& message) {
    std::fprintf(stderr, "httpd: %s\n%s", message.c_str(), kUsage);
    std::exit(2);
}

} // namespace

int main(int argc, char** argv) {
    std::string portText = std::getenv("PORT") ? std::getenv("PORT") : "8080";
    std::string root;
    for (int i = 1; i < argc; i++) {
        std::string_view arg = argv[i];
        std::string* target = arg.starts_with("--port")   ? &portText
                              : arg.starts_with("--root") ? &root
                                                          : nullptr;
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (target == nullptr || (arg.size() > 6 && arg[6] != '=')) {
            usageError("unknown argument '" + std::string(arg) + "'");
        }
        if (arg.size() > 6) {
            *target = arg.substr(7);
        } else if (i + 1 < argc) {
            *target = argv[++i];
        } else {
            usageError(std::string(arg) + " needs a value");
        }
    }
    uint64_t port = 0;
    if (!parseNumber(portText, 65535, port)) {
        usageError("bad port '" + portText + "'");
    }
    struct stat st {};
    if (!root.empty() && (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
        std::fprintf(stderr, "httpd: --root %s: not a directory\n", root.c_str());
        return 1;
    }
    while (root.size() > 1 && root.back() == '/') {
        root.pop_back();
    }

    // A client that goes away mid-response must cost a write error, not the process.
    signal(SIGPIPE, SIG_IGN);
    // Nothing is buffered or half-written that outlives the process, so stopping is exiting.
    struct sigaction stop {};
    stop.sa_handler = [](int) { _exit(0); };
    sigaction(SIGTERM, &stop, nullptr);
    sigaction(SIGINT, &stop, nullptr);

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listener < 0) {
        std::fprintf(stderr, "httpd: cannot create a TCP socket: %s\n", std::strerror(errno));
        return 1;
    }
    // A restarted server can bind while the previous one's connections sit in TIME_WAIT.
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        std::fprintf(stderr, "httpd: cannot bind port %u: %s\n", static_cast<unsigned>(port),
                     std::strerror(errno));
        return 1;
    }
    if (listen(listener, SOMAXCONN) < 0) {
        std::fprintf(stderr, "httpd: cannot listen on port %u: %s\n", static_cast<unsigned>(port),
                     std::strerror(errno));
        return 1;
    }
    socklen_t length = sizeof addr;
    if (getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
        port = ntohs(addr.sin_port); // what --port 0 picked
    }
    std::printf("httpd: listening on port %u\n", static_cast<unsigned>(port));
    std::fflush(stdout);
    return Server(listener, root).run();
}
