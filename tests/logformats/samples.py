"""One good line of every log type, as gateways send it: the samples the
format, store and collector tests share."""

AUTH = ("PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:00:00,2024/02/01 10:00:00,"
        "102,,,,ja,JP,,,,,,,00,0,1,iPhone,iOS 17.5,Safari,,")
LINES = {
    "auth": AUTH,
    "active": ("PCGOLD001,10,,10.0.0.1,,02:00:00:00:00:0A,2024/02/01 10:00:00,"
               "2024/02/01 10:30:00,02,1800,"),
    "control": "2024/02/01 10:05:00,0,02:00:00:00:00:0A,10.0.0.1,200,PCGOLD001",
    "dhcp": "2024/02/01 10:05:00,DHCPACK,02:00:00:00:00:0a,10.0.0.9,PCGOLD001",
    "session": "2024/02/01 10:05:00,PCGOLD001,42",
    "traffic": "2024/02/01 10:05:00,PCGOLD001,1200000,300000",
    "mail": "2024/02/01 10:05:00,0,10.0.0.1,a@example.jp,b@example.jp,250,PCGOLD001",
    "activeuser": "2024/02/01 10:05:00,PCGOLD001,7",
}
