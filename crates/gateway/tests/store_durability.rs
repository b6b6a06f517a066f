//! Nothing acknowledged is lost and nothing half-written is visible: enrol in a burst from several
//! clients, SIGKILL the gateway mid-burst, then check the store on disk and a restarted gateway.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use common::{base64_of, face, run_cli, start_gateway_with, GatewayOptions};
use serde_json::Value;

const TOKEN: &str = "burst-token";

#[test]
fn sigkill_mid_burst_loses_no_acknowledged_enrolment_and_leaves_nothing_half_written() {
    let names = [
        "obama_1.jpg",
        "biden_1.jpg",
        "kit_harington_1.jpg",
        "rose_leslie_1.jpg",
        "alex_lacamoire_1.jpg",
        "obama_2.jpg",
        "paul_rudd_1.jpg",
        "kate_siegel_1.jpg",
        "biden_2.jpg",
        "tom_hanks_1.png",
        "kit_harington_2.jpg",
        "rose_leslie_2.jpg",
    ];
    let Some(images) = names
        .iter()
        .map(|name| face(name).map(|bytes| base64_of(&bytes)))
        .collect::<Option<Vec<String>>>()
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let options = || {
        GatewayOptions::default()
            .env("EKYC_AISOLUTION_TOKENS", TOKEN)
            .data_dir(dir.path())
    };
    let gateway = start_gateway_with(options());
    let url = gateway.url(&format!("/v1/addface?token={TOKEN}"));

    // (person_id, person_count) of every enrolment the clients saw acknowledged.
    let acknowledged: Mutex<Vec<(String, u64)>> = Mutex::new(Vec::new());
    let acks = AtomicUsize::new(0);
    let killed = AtomicBool::new(false);
    const CLIENTS: usize = 4;
    const KILL_AFTER: usize = 14;
    std::thread::scope(|scope| {
        for worker in 0..CLIENTS {
            let (url, images, acknowledged, acks, killed) =
                (&url, &images, &acknowledged, &acks, &killed);
            scope.spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(60))
                    .build()
                    .unwrap();
                for round in 0.. {
                    if killed.load(Ordering::SeqCst) {
                        break;
                    }
                    let image = &images[(worker * 3 + round) % images.len()];
                    let Ok(response) = client.post(url).form(&[("img", image)]).send() else {
                        break; // the gateway is gone
                    };
                    let Ok(body) = response.json::<Value>() else {
                        break;
                    };
                    if body["status"] == "OK" {
                        let person = body["message"]["person_id"].as_str().unwrap().to_owned();
                        let count = body["message"]["person_count"].as_u64().unwrap();
                        acknowledged.lock().unwrap().push((person, count));
                        acks.fetch_add(1, Ordering::SeqCst);
                    } else {
                        panic!("enrolment refused: {body}");
                    }
                }
            });
        }
        while acks.load(Ordering::SeqCst) < KILL_AFTER {
            std::thread::sleep(Duration::from_millis(5));
        }
        // Mid-burst: the other clients have requests in flight.
        gateway.signal("KILL");
        killed.store(true, Ordering::SeqCst);
    });
    drop(gateway);
    let acknowledged = acknowledged.into_inner().unwrap();
    assert!(acknowledged.len() >= KILL_AFTER);

    // The store on disk, read by the CLI (the killed process's lock is gone with it).
    let (ok, dump, stderr) = run_cli(dir.path(), &["store", "export"]);
    assert!(ok, "export failed: {stderr}");
    let lines: Vec<Value> = dump
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    let of = |record: &'static str| lines.iter().filter(move |l| l["record"] == record);
    let media: HashSet<&str> = of("media")
        .map(|m| m["media_id"].as_str().unwrap())
        .collect();
    let persons: HashSet<&str> = of("person")
        .map(|p| p["person_id"].as_str().unwrap())
        .collect();
    let mut faces_per_person: HashMap<&str, u64> = HashMap::new();
    let mut referenced_media = HashSet::new();
    for face in of("face") {
        let person = face["person_id"]
            .as_str()
            .expect("aisolution faces have a person");
        assert!(persons.contains(person), "face of a missing person: {face}");
        *faces_per_person.entry(person).or_default() += 1;
        let source = face["source_media_id"].as_str().expect("original kept");
        assert!(
            media.contains(source),
            "face without its original image: {face}"
        );
        referenced_media.insert(source);
        assert_eq!(face["embedding"].as_array().map(Vec::len), Some(128));
    }
    // Nothing half-written: no person without a face, no image without its face.
    for person in &persons {
        assert!(
            faces_per_person.contains_key(person),
            "person {person} has no face"
        );
    }
    assert_eq!(
        referenced_media.len(),
        media.len(),
        "an image without its face"
    );
    // Nothing acknowledged lost: each acknowledged person has at least the faces it was told of.
    for (person, count) in &acknowledged {
        let stored = faces_per_person.get(person.as_str()).copied().unwrap_or(0);
        assert!(
            stored >= *count,
            "acknowledged person {person} with {count} faces, found {stored}"
        );
    }
    eprintln!(
        "{} acknowledged enrolments before SIGKILL; on disk: {} persons, {} faces, {} images",
        acknowledged.len(),
        persons.len(),
        faces_per_person.values().sum::<u64>(),
        media.len()
    );

    // A restarted gateway serves them: the index is rebuilt from the store. (The first client's
    // first request was obama_1, acknowledged long before the kill.)
    let gateway = start_gateway_with(options());
    let search = common::client()
        .post(gateway.url(&format!("/v1/searchface?token={TOKEN}")))
        .form(&[("img", &images[0])])
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap();
    assert_eq!(search["status"], "OK", "{search}");
    assert!(
        !search["message"].as_array().unwrap().is_empty(),
        "the restarted gateway finds the enrolled face: {search}"
    );
}
