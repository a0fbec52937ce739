// Rust std in the sandbox: args, env, files in the granted directory, exit codes.
use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("hello from Rust");
    for a in &args {
        println!("arg: {}", a);
    }
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    for (k, v) in &vars {
        println!("env: {}={}", k, v);
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    println!("stdin bytes: {}", input.len());
    if let Some(dir) = args.first() {
        let path = format!("{}/rust.txt", dir);
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(f, "written by rust").unwrap();
        drop(f);
        let back = std::fs::read_to_string(&path).unwrap();
        print!("read back: {}", back);
        std::fs::remove_file(&path).unwrap();
        match std::fs::read_to_string(format!("{}/../../etc/passwd", dir)) {
            Ok(_) => println!("escape: opened"),
            Err(_) => println!("escape: refused"),
        }
    }
    let code = args.iter().find_map(|a| a.strip_prefix("exit=").map(|n| n.parse::<i32>().unwrap()));
    std::process::exit(code.unwrap_or(0));
}
