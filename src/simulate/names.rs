//! Russian place names for municipalities and village schools.

use super::rng::{self, SimRng};

/// Masculine place adjectives (district, town and village names).
pub const PLACES: &[&str] = &[
    "Кировский",
    "Ленинский",
    "Советский",
    "Октябрьский",
    "Первомайский",
    "Пролетарский",
    "Комсомольский",
    "Красногвардейский",
    "Северный",
    "Южный",
    "Восточный",
    "Западный",
    "Приморский",
    "Приозёрский",
    "Заречный",
    "Центральный",
    "Красногорский",
    "Светлогорский",
    "Лесной",
    "Степной",
    "Нагорный",
    "Подгорный",
    "Приречный",
    "Озёрный",
    "Луговой",
    "Полевой",
    "Садовый",
    "Речной",
    "Горный",
    "Таёжный",
    "Песчаный",
    "Берёзовский",
    "Сосновский",
    "Каменский",
    "Ольховский",
    "Дубовский",
    "Ивановский",
    "Петровский",
    "Михайловский",
    "Никольский",
    "Покровский",
    "Успенский",
    "Троицкий",
    "Знаменский",
    "Воскресенский",
    "Богородский",
    "Алексеевский",
    "Александровский",
    "Андреевский",
    "Васильевский",
    "Георгиевский",
    "Дмитриевский",
    "Ильинский",
    "Казанский",
    "Павловский",
    "Сергиевский",
    "Спасский",
    "Рождественский",
    "Преображенский",
    "Вознесенский",
    "Благовещенский",
    "Николаевский",
    "Владимирский",
    "Борисовский",
    "Григорьевский",
    "Фёдоровский",
    "Семёновский",
    "Гавриловский",
    "Тихоновский",
    "Ефимовский",
    "Прохоровский",
    "Ключевской",
    "Родниковский",
    "Дубровский",
    "Липовский",
    "Осиновский",
    "Рябиновский",
    "Калиновский",
    "Малиновский",
    "Вишнёвский",
    "Боровский",
    "Белозерский",
    "Черноречинский",
    "Яблоновский",
    "Кедровский",
    "Медведевский",
    "Лебяжинский",
    "Журавлёвский",
    "Соколовский",
    "Орловский",
    "Бобровский",
    "Волжский",
    "Донской",
    "Окский",
    "Камский",
    "Уральский",
    "Озерский",
    "Белореченский",
    "Краснореченский",
    "Бугровский",
    "Полянский",
    "Луговской",
    "Холмский",
    "Курганский",
    "Мостовской",
    "Заволжский",
    "Старицкий",
    "Весёловский",
    "Хуторской",
    "Слободской",
    "Пригородный",
    "Ракитянский",
    "Тополёвский",
    "Черёмуховский",
    "Клёновский",
    "Дубравный",
    "Вязовский",
    "Грушевский",
    "Голубовский",
    "Зеленовский",
    "Краснопольский",
    "Белогорский",
    "Чернолесский",
    "Тихорецкий",
    "Быстрореченский",
    "Светлый",
    "Звёздный",
    "Солнечный",
    "Радужный",
    "Раздольненский",
    "Привольненский",
    "Широковский",
    "Ясеневский",
    "Гремячинский",
    "Карасукский",
    "Верхнеозёрский",
    "Марьевский",
    "Анновский",
    "Екатерининский",
    "Ольгинский",
    "Софийский",
    "Еленовский",
    "Натальевский",
    "Любимовский",
    "Надеждинский",
    "Сокольский",
    "Мирный",
    "Дружбинский",
    "Победовский",
    "Урожайненский",
    "Колосовский",
];

/// Prefixes that make new place names from [`PLACES`] (with relative weight).
const PREFIXES: &[(&str, f64)] = &[
    ("", 8.0),
    ("Ново", 1.0),
    ("Верхне", 1.0),
    ("Нижне", 1.0),
    ("Старо", 1.0),
    ("Красно", 0.5),
    ("Усть-", 0.5),
    ("Больше", 0.5),
];

/// Kind of a municipality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MunicipalityKind {
    /// Городской округ: mostly urban schools.
    CityOkrug,
    /// Муниципальный район: a town centre and villages.
    District,
    /// Муниципальный округ: a rural district.
    RuralOkrug,
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn prefixed(prefix: &str, adj: &str) -> String {
    if prefix.is_empty() {
        adj.to_string()
    } else if prefix.ends_with('-') {
        format!("{prefix}{adj}")
    } else {
        format!("{prefix}{}", lower_first(adj))
    }
}

fn municipality_name(adj: &str, kind: MunicipalityKind) -> String {
    match kind {
        MunicipalityKind::CityOkrug => format!("Городской округ {adj}"),
        MunicipalityKind::District => format!("{adj} муниципальный район"),
        MunicipalityKind::RuralOkrug => format!("{adj} муниципальный округ"),
    }
}

/// `n` distinct municipality names with their kinds; the first is always a
/// city okrug (the regional centre).
pub fn municipalities(n: usize, rng: &mut SimRng) -> Vec<(String, MunicipalityKind)> {
    const KINDS: [(MunicipalityKind, f64); 3] = [
        (MunicipalityKind::District, 3.0),
        (MunicipalityKind::RuralOkrug, 1.0),
        (MunicipalityKind::CityOkrug, 1.2),
    ];
    let mut candidates = Vec::new();
    let mut weights = Vec::new();
    for adj in PLACES {
        for (prefix, wp) in PREFIXES {
            let place = prefixed(prefix, adj);
            for (kind, wk) in KINDS {
                candidates.push((place.clone(), kind));
                weights.push(wp * wk);
            }
        }
    }
    let order = rng::weighted_distinct(rng, &weights, n);
    let mut names = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(n);
    for i in order {
        let (place, kind) = &candidates[i];
        let name = municipality_name(place, *kind);
        if names.insert(name.clone()) {
            out.push((name, *kind));
        }
    }
    // More municipalities than names: numbered copies (never reached at
    // national scale, ~2 000 municipalities against ~3 900 names).
    let mut k = 2;
    while out.len() < n {
        let base = out[(out.len() + k) % candidates.len().max(1)].0.clone();
        let name = format!("{base} {k}");
        if names.insert(name.clone()) {
            out.push((name, MunicipalityKind::District));
        }
        k += 1;
    }
    if let Some(first) = out.first_mut()
        && first.1 != MunicipalityKind::CityOkrug
    {
        let place = first
            .0
            .split(' ')
            .next()
            .unwrap_or("Центральный")
            .to_string();
        let mut name = municipality_name(&place, MunicipalityKind::CityOkrug);
        if names.contains(&name) {
            name = "Городской округ Центральный".to_string();
            while names.contains(&name) {
                name.push('й');
            }
        }
        *first = (name, MunicipalityKind::CityOkrug);
    }
    out
}

/// Feminine form of a masculine adjective («Ивановский» → «Ивановская»),
/// used for village schools («Ивановская СОШ»).
pub fn feminine(adj: &str) -> String {
    let chars: Vec<char> = adj.chars().collect();
    let n = chars.len();
    if n < 3 {
        return adj.to_string();
    }
    let stem: String = chars[..n - 2].iter().collect();
    let end: String = chars[n - 2..].iter().collect();
    let before = chars[n - 3];
    match end.as_str() {
        "ий" if "кгхжшчщ".contains(before) => format!("{stem}ая"),
        "ий" => format!("{stem}яя"),
        "ый" | "ой" => format!("{stem}ая"),
        _ => adj.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feminine_forms() {
        assert_eq!(feminine("Ивановский"), "Ивановская");
        assert_eq!(feminine("Лесной"), "Лесная");
        assert_eq!(feminine("Заречный"), "Заречная");
        assert_eq!(feminine("Троицкий"), "Троицкая");
        assert_eq!(feminine("Ключевской"), "Ключевская");
    }

    #[test]
    fn many_distinct_municipalities() {
        let mut rng = rng::stream(1, rng::Purpose::Region, 0, 0);
        let m = municipalities(2100, &mut rng);
        assert_eq!(m.len(), 2100);
        let set: std::collections::BTreeSet<_> = m.iter().map(|x| &x.0).collect();
        assert_eq!(set.len(), 2100);
        assert_eq!(m[0].1, MunicipalityKind::CityOkrug);
    }
}
