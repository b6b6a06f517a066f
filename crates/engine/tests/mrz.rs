//! MRZ reading on real zones: the ICAO Doc 9303 specimens and zones transcribed by eye from the
//! real document images in the shared data (`documents/mrz/`, file named with each), as an OCR
//! engine would hand them over, then damaged the ways OCR damages them.

use ekyc_engine::document::mrz::{
    read_mrz_on, Correction, FieldVerdict, MrzDefect, MrzError, MrzFormat, Sex,
};
use time::{Date, Month};

use FieldVerdict::{Failed, Unverified, Verified};

fn today() -> Date {
    Date::from_calendar_date(2025, Month::June, 1).unwrap()
}

// Doc 9303 part 4 (TD3), part 5 (TD1), part 6 (TD2) specimens.
const TD3: [&str; 2] = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
];
const TD1: [&str; 3] = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
];
const TD2: [&str; 2] = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
];

#[test]
fn icao_td3_specimen() {
    let mrz = read_mrz_on(&TD3, today()).unwrap();
    assert_eq!(mrz.format, MrzFormat::Td3);
    assert_eq!(mrz.document_code.value, "P");
    assert_eq!(mrz.issuing_state.value, "UTO");
    assert_eq!(mrz.surname.value, "ERIKSSON");
    assert_eq!(mrz.given_names.value, "ANNA MARIA");
    assert_eq!(mrz.surname.verdict, Unverified);
    assert_eq!(mrz.document_number.value, "L898902C3");
    assert_eq!(mrz.document_number.verdict, Verified);
    assert_eq!(mrz.nationality.value, "UTO");
    assert_eq!(mrz.birth_date.value.raw, "740812");
    assert_eq!(mrz.birth_date.value.iso.as_deref(), Some("1974-08-12"));
    assert_eq!(mrz.birth_date.verdict, Verified);
    assert_eq!(mrz.sex.value, Sex::Female);
    assert_eq!(mrz.expiry_date.value.iso.as_deref(), Some("2012-04-15"));
    assert_eq!(mrz.optional_data.value, "ZE184226B");
    assert_eq!(mrz.optional_data.verdict, Verified);
    assert_eq!(mrz.composite, Some(Verified));
    assert!(mrz.fully_verified());
    assert_eq!(mrz.check_digits(), (5, 5));
    assert!(mrz.corrections.is_empty() && mrz.resized_lines.is_empty());
    assert_eq!(mrz.lines, TD3);
}

#[test]
fn icao_td1_specimen() {
    let mrz = read_mrz_on(&TD1, today()).unwrap();
    assert_eq!(mrz.format, MrzFormat::Td1);
    assert_eq!(mrz.document_code.value, "I");
    assert_eq!(mrz.document_number.value, "D23145890");
    assert_eq!(mrz.birth_date.value.iso.as_deref(), Some("1974-08-12"));
    assert_eq!(mrz.expiry_date.value.iso.as_deref(), Some("2012-04-15"));
    assert_eq!(mrz.nationality.value, "UTO");
    assert_eq!(
        (mrz.surname.value.as_str(), mrz.given_names.value.as_str()),
        ("ERIKSSON", "ANNA MARIA")
    );
    assert_eq!(
        mrz.optional_data.verdict, Verified,
        "by the composite digit"
    );
    assert_eq!(mrz.optional_data_2.as_ref().unwrap().value, "");
    assert_eq!(mrz.check_digits(), (4, 4));
}

#[test]
fn icao_td2_specimen() {
    let mrz = read_mrz_on(&TD2, today()).unwrap();
    assert_eq!(mrz.format, MrzFormat::Td2);
    assert_eq!(mrz.document_number.value, "D23145890");
    assert_eq!(mrz.given_names.value, "ANNA MARIA");
    assert_eq!(mrz.composite, Some(Verified));
    assert!(mrz.fully_verified());
}

/// A zone read off one of the shared data's real images: (image, lines, format, number, birth,
/// expiry, surname, given names).
type RealZone = (
    &'static str,
    &'static [&'static str],
    MrzFormat,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const REAL: &[RealZone] = &[
    (
        "fastmrz_passport_uk.jpg",
        &[
            "P<GBRPUDARSAN<<HENERT<<<<<<<<<<<<<<<<<<<<<<<",
            "7077979792GBR9505209M1704224<<<<<<<<<<<<<<00",
        ],
        MrzFormat::Td3,
        "707797979",
        "1995-05-20",
        "2017-04-22",
        "PUDARSAN",
        "HENERT",
    ),
    (
        "passporteye_100_pass-cze.jpg",
        &[
            "P<CZESPECIMEN<<VZOR<<<<<<<<<<<<<<<<<<<<<<<<<",
            "99003853<1CZE1101018M1207046110101111<<<<<94",
        ],
        MrzFormat::Td3,
        "99003853",
        "2011-01-01",
        "2012-07-04",
        "SPECIMEN",
        "VZOR",
    ),
    (
        "passporteye_100_pass-fin.png",
        &[
            "P<FINVIRTANEN<<MARIA<OLIVIA<<<<<<<<<<<<<<<<<",
            "XP82716024FIN7112214F1108213211271<426U<<<04",
        ],
        MrzFormat::Td3,
        "XP8271602",
        "1971-12-21",
        "2011-08-21",
        "VIRTANEN",
        "MARIA OLIVIA",
    ),
    (
        "passporteye_98_pass-nld.jpg",
        &[
            "P<NLDMEULENDIJK<<LOES<ALBERTINE<<<<<<<<<<<<<",
            "XA00000148NLD7110195F0604121123456782<<<<<02",
        ],
        MrzFormat::Td3,
        "XA0000014",
        "1971-10-19",
        "2006-04-12",
        "MEULENDIJK",
        "LOES ALBERTINE",
    ),
    (
        "passporteye_100_pass-hrv.jpg",
        &[
            "P<HRVSPECIMEN<<SPECIMEN<<<<<<<<<<<<<<<<<<<<<",
            "0070070071HRV8212258F1407019<<<<<<<<<<<<<<06",
        ],
        MrzFormat::Td3,
        "007007007",
        "1982-12-25",
        "2014-07-01",
        "SPECIMEN",
        "SPECIMEN",
    ),
    (
        "passporteye_100_id-che.jpg",
        &[
            "IDCHES0002068<8<<<<<<<<<<<<<<<",
            "8102287F1301014CHE<<<<<<<<<<<4",
            "VADIS<<QUO<<<<<<<<<<<<<<<<<<<<",
        ],
        MrzFormat::Td1,
        "S0002068",
        "1981-02-28",
        "2013-01-01",
        "VADIS",
        "QUO",
    ),
    (
        "passporteye_100_id-usa.jpg",
        &[
            "IAUSA0000000033LIN1044750079<<",
            "5808175F1004027COD<<<<<<<<<<<7",
            "SPECIMEN<<TEST<VOID<<<<<<<<<<<",
        ],
        MrzFormat::Td1,
        "000000003",
        "1958-08-17",
        "2010-04-02",
        "SPECIMEN",
        "TEST VOID",
    ),
    (
        "fastmrz_mrva.jpg",
        &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L8988901C4XXX4009078F96121096ZE184226B<<<<<<",
        ],
        MrzFormat::MrvA,
        "L8988901C",
        "1940-09-07",
        "1996-12-10",
        "ERIKSSON",
        "ANNA MARIA",
    ),
    (
        "fastmrz_mrvb.jpg",
        &[
            "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
            "L8988901C4XXX4009078F9612109<<<<<<<<",
        ],
        MrzFormat::MrvB,
        "L8988901C",
        "1940-09-07",
        "1996-12-10",
        "ERIKSSON",
        "ANNA MARIA",
    ),
    (
        "passporteye_100_visa-usa.jpg",
        &[
            "VIUSATRAVELER<<HAPPYPERSON<<<<<<<<<<<<<<<<<<",
            "555123ABC6GBR6502056F0412236IFLNDOOAMS803085",
        ],
        MrzFormat::MrvA,
        "555123ABC",
        "1965-02-05",
        "2004-12-23",
        "TRAVELER",
        "HAPPYPERSON",
    ),
];

#[test]
fn zones_read_off_real_documents() {
    for &(image, lines, format, number, born, expires, surname, given) in REAL {
        let mrz = read_mrz_on(lines, today()).unwrap_or_else(|e| panic!("{image}: {e}"));
        assert_eq!(mrz.format, format, "{image}");
        assert!(mrz.fully_verified(), "{image}: {:?}", mrz.check_digits());
        assert_eq!(mrz.document_number.value, number, "{image}");
        assert_eq!(mrz.birth_date.value.iso.as_deref(), Some(born), "{image}");
        assert_eq!(
            mrz.expiry_date.value.iso.as_deref(),
            Some(expires),
            "{image}"
        );
        assert_eq!(mrz.surname.value, surname, "{image}");
        assert_eq!(mrz.given_names.value, given, "{image}");
        assert!(mrz.corrections.is_empty(), "{image}: {:?}", mrz.corrections);
        if matches!(format, MrzFormat::MrvA | MrzFormat::MrvB) {
            assert_eq!(mrz.composite, None);
            assert_eq!(mrz.optional_data.verdict, Unverified, "{image}");
        }
    }
}

/// passporteye_100_visa-polx.jpg, as printed: the nationality reads `P0L` (a zero in a letter
/// field) and the visa is an MRV-B.
#[test]
fn polish_visa_with_a_zero_in_its_nationality() {
    let lines = [
        "VCPOLKOWALSKA<KWIATKOWSKA<<BEATA<<<<",
        "PL00000008P0L6002084F0505011<<<<<<<0",
    ];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.format, MrzFormat::MrvB);
    assert_eq!(mrz.document_code.value, "VC");
    assert_eq!(mrz.surname.value, "KOWALSKA KWIATKOWSKA");
    assert_eq!(mrz.given_names.value, "BEATA");
    assert_eq!(mrz.document_number.value, "PL0000000");
    assert_eq!(mrz.nationality.value, "POL");
    assert_eq!(mrz.nationality.verdict, Unverified);
    assert_eq!(
        mrz.corrections,
        vec![Correction {
            line: 1,
            column: 11,
            read: '0',
            corrected: 'O'
        }]
    );
    assert_eq!(mrz.birth_date.value.iso.as_deref(), Some("1960-02-08"));
    assert!(mrz.fully_verified());
}

#[test]
fn ocr_noise_around_a_passport_zone() {
    // Spaces, a line of printed text before, «, a dropped filler and a K for a filler.
    let lines = [
        "Date of expiry / Date d'expiration 15 APR 2012",
        "P<UTO ERIKSSON«ANNA<MARIA<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<K<10",
        "",
    ];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.lines, TD3);
    assert_eq!(mrz.resized_lines, vec![0]);
    assert_eq!(
        mrz.corrections,
        vec![Correction {
            line: 1,
            column: 40,
            read: 'K',
            corrected: '<'
        }]
    );
    assert!(mrz.fully_verified());
}

#[test]
fn letter_o_for_zero_in_the_document_number_is_corrected() {
    let lines = [TD3[0], "L8989O2C36UTO7408122F1204159ZE184226B<<<<<10"];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.document_number.value, "L898902C3");
    assert_eq!(mrz.document_number.verdict, Verified);
    assert_eq!(
        mrz.corrections,
        vec![Correction {
            line: 1,
            column: 5,
            read: 'O',
            corrected: '0'
        }]
    );
    assert!(mrz.fully_verified());
}

#[test]
fn letters_in_dates_and_check_digits_are_corrected_when_the_check_confirms() {
    // O and I in the birth date, O in the expiry date, G for the composite check digit 6.
    let lines = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "74O8I22F12O4159UTO<<<<<<<<<<<G",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.lines, TD1);
    let fixed: Vec<(usize, usize, char, char)> = mrz
        .corrections
        .iter()
        .map(|c| (c.line, c.column, c.read, c.corrected))
        .collect();
    assert_eq!(
        fixed,
        vec![
            (1, 2, 'O', '0'),
            (1, 4, 'I', '1'),
            (1, 10, 'O', '0'),
            (1, 29, 'G', '6')
        ]
    );
    assert!(mrz.fully_verified());
}

#[test]
fn digits_in_names_become_letters_but_stay_unverified() {
    let lines = ["P<UTOER1KSS0N<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<", TD3[1]];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.surname.value, "ERIKSSON");
    assert_eq!(mrz.given_names.value, "ANNA MARIA");
    assert_eq!(mrz.surname.verdict, Unverified);
    assert_eq!(mrz.corrections.len(), 3);
}

#[test]
fn a_wrong_check_digit_fails_its_field() {
    // Birth date check digit 2 changed to 3: the birth date and the composite fail.
    let lines = [TD3[0], "L898902C36UTO7408123F1204159ZE184226B<<<<<10"];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.birth_date.verdict, Failed);
    assert_eq!(mrz.composite, Some(Failed));
    assert_eq!(mrz.document_number.verdict, Verified);
    assert_eq!(mrz.expiry_date.verdict, Verified);
    assert!(!mrz.fully_verified());
    assert_eq!(mrz.check_digits(), (3, 5));
    assert!(mrz.corrections.is_empty());

    // A digit misread as another digit in the number: nothing to correct, the number fails.
    let lines = [TD3[0], "L898962C36UTO7408122F1204159ZE184226B<<<<<10"];
    let mrz = read_mrz_on(&lines, today()).unwrap();
    assert_eq!(mrz.document_number.verdict, Failed);
    assert_eq!(mrz.document_number.value, "L898962C3");
    assert!(mrz.corrections.is_empty());
}

#[test]
fn a_zone_with_most_check_digits_wrong_is_rejected() {
    let lines = [TD3[0], "L898902C37UTO7408123F1204150ZE184226B<<<<<10"];
    assert!(matches!(
        read_mrz_on(&lines, today()),
        Err(MrzError::NotAnMrz {
            format: MrzFormat::Td3,
            defect: MrzDefect::CheckDigits {
                held: 0..=1,
                total: 5
            }
        })
    ));
}

#[test]
fn garbage_is_no_zone() {
    assert_eq!(read_mrz_on::<&str>(&[], today()), Err(MrzError::NotFound));
    assert_eq!(
        read_mrz_on(&["REPUBLIC OF UTOPIA", "PASSPORT"], today()),
        Err(MrzError::NotFound)
    );
    let noise = [
        "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG 1",
        "PACK MY BOX WITH FIVE DOZEN LIQUOR JUGS NOW 2",
    ];
    assert!(matches!(
        read_mrz_on(&noise, today()),
        Err(MrzError::NotAnMrz { .. })
    ));
    // Only the first line of a passport zone.
    assert_eq!(read_mrz_on(&[TD3[0]], today()), Err(MrzError::NotFound));
}
