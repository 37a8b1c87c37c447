//! The chat example (`ae/examples/chat.rs`) served on every backend this
//! build has, driven by real TCP clients.

#[path = "../examples/chat.rs"]
#[allow(dead_code)]
mod chat;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use ae::Backend;

const TIMEOUT: Duration = Duration::from_secs(10);

struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        Client {
            writer: s.try_clone().unwrap(),
            reader: BufReader::new(s),
        }
    }

    fn line(&mut self) -> String {
        let mut l = String::new();
        self.reader.read_line(&mut l).unwrap();
        l
    }

    fn say(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }
}

/// Serves on a thread of its own; the thread ends with the process.
fn serve(backend: Backend) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        let (mut el, mut state) = chat::setup(listener, backend).unwrap();
        el.run(&mut state).unwrap();
    });
    port
}

#[test]
fn chat_example_broadcasts_lines_on_every_backend() {
    for backend in Backend::available() {
        let port = serve(backend);
        let mut a = Client::connect(port);
        assert!(a.line().starts_with("* welcome, guest"), "{backend}");
        let mut b = Client::connect(port);
        b.line(); // welcome
        assert!(a.line().ends_with(" joined\n"));

        a.say("/nick ann\n");
        // A rename is told to everyone, the member too.
        for renamed in [a.line(), b.line()] {
            assert!(renamed.ends_with(" is now ann\n"), "{backend}: {renamed}");
        }

        // Lines split across writes and several in one write; the sender
        // gets none of its own.
        a.say("hel");
        thread::sleep(Duration::from_millis(20));
        a.say("lo\nsecond line\r\n\nthird\n");
        assert_eq!(b.line(), "<ann> hello\n");
        assert_eq!(b.line(), "<ann> second line\n");
        assert_eq!(b.line(), "<ann> third\n");
        b.say("hi ann\n");
        let heard = a.line();
        assert!(
            heard.starts_with("<guest") && heard.ends_with("> hi ann\n"),
            "{heard}"
        );
        drop(a);
        assert_eq!(b.line(), "* ann left\n", "{backend}");

        // A line past MAX_LINE: told, then disconnected.
        let mut c = Client::connect(port);
        c.line();
        assert!(b.line().ends_with(" joined\n"));
        c.say(&"x".repeat(chat::MAX_LINE + 10));
        assert!(c.line().contains("at most"), "{backend}");
        let mut rest = Vec::new();
        assert_eq!(c.reader.read_to_end(&mut rest).unwrap(), 0);
        assert!(b.line().ends_with(" left\n"));
    }
}
