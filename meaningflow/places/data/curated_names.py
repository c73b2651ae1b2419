"""Hand-curated tables used by build_places_data.py.

Kept apart from the builder logic so that correcting a name is a one-line data
change. Nothing here is imported at runtime: the app only reads the JSON output.
"""

# GB/T 2260 province prefix -> (conventional English name, capital prefecture code).
# Capitals give province coordinates. HK/MO/TW have no prefecture level in the
# source data, so their coordinates come from PROVINCE_COORDS instead.
PROVINCES: dict[str, tuple[str, str | None]] = {
    "11": ("Beijing", "110100"),
    "12": ("Tianjin", "120100"),
    "13": ("Hebei", "130100"),
    "14": ("Shanxi", "140100"),
    "15": ("Inner Mongolia", "150100"),
    "21": ("Liaoning", "210100"),
    "22": ("Jilin", "220100"),
    "23": ("Heilongjiang", "230100"),
    "31": ("Shanghai", "310100"),
    "32": ("Jiangsu", "320100"),
    "33": ("Zhejiang", "330100"),
    "34": ("Anhui", "340100"),
    "35": ("Fujian", "350100"),
    "36": ("Jiangxi", "360100"),
    "37": ("Shandong", "370100"),
    "41": ("Henan", "410100"),
    "42": ("Hubei", "420100"),
    "43": ("Hunan", "430100"),
    "44": ("Guangdong", "440100"),
    "45": ("Guangxi", "450100"),
    "46": ("Hainan", "460100"),
    "50": ("Chongqing", "500100"),
    "51": ("Sichuan", "510100"),
    "52": ("Guizhou", "520100"),
    "53": ("Yunnan", "530100"),
    "54": ("Tibet", "540100"),
    "61": ("Shaanxi", "610100"),
    "62": ("Gansu", "620100"),
    "63": ("Qinghai", "630100"),
    "64": ("Ningxia", "640100"),
    "65": ("Xinjiang", "650100"),
    "71": ("Taiwan", None),
    "81": ("Hong Kong", None),
    "82": ("Macao", None),
}

# Taipei, Hong Kong (Central), Macao peninsula.
PROVINCE_COORDS: dict[str, tuple[float, float]] = {
    "71": (25.0478, 121.5319),
    "81": (22.2783, 114.1747),
    "82": (22.2006, 113.5461),
}

# The source lists simplified names for HK/MO only on the "0000" line; the
# province header uses traditional characters. Normalise to simplified.
PROVINCE_ZH: dict[str, str] = {
    "81": "香港特别行政区",
    "82": "澳门特别行政区",
}

# Direct-administered municipalities have no real prefecture level. We keep a
# single prefecture-level twin (XX0100, named like the municipality) so that
# every county code resolves to a prefecture and forms can always ask for one.
MUNICIPALITIES = {"11", "12", "31", "50"}

# Prefecture-level rows in loc.dat that are not prefectures but bookkeeping
# groups (county-level units directly under the province, etc.).
NOT_PREFECTURES = {"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位", "林区"}

# pypinyin picks the wrong reading for a few polyphonic place names.
PINYIN_FIXES: dict[str, str] = {
    "朝阳": "Chaoyang",
    "长治": "Changzhi",
    "漯河": "Luohe",
    "六安": "Lu'an",
    "蚌埠": "Bengbu",
    "厦门": "Xiamen",
    "乐山": "Leshan",
    "丽水": "Lishui",
    "丽江": "Lijiang",
    "亳州": "Bozhou",
    "儋州": "Danzhou",
}

# English names that are not plain pinyin: conventional exonyms for ethnic
# minority areas, and the official English of autonomous prefectures/leagues.
PREFECTURE_EN: dict[str, str] = {
    # Inner Mongolia
    "呼和浩特市": "Hohhot",
    "鄂尔多斯市": "Ordos",
    "呼伦贝尔市": "Hulunbuir",
    "巴彦淖尔市": "Bayannur",
    "乌兰察布市": "Ulanqab",
    "兴安盟": "Hinggan League",
    "锡林郭勒盟": "Xilingol League",
    "阿拉善盟": "Alxa League",
    # North-east
    "哈尔滨市": "Harbin",
    "齐齐哈尔市": "Qiqihar",
    "大兴安岭地区": "Greater Khingan Prefecture",
    "延边朝鲜族自治州": "Yanbian Korean Autonomous Prefecture",
    # Central / south
    "恩施土家族苗族自治州": "Enshi Tujia and Miao Autonomous Prefecture",
    "湘西土家族苗族自治州": "Xiangxi Tujia and Miao Autonomous Prefecture",
    # Sichuan
    "阿坝藏族羌族自治州": "Ngawa Tibetan and Qiang Autonomous Prefecture",
    "甘孜藏族自治州": "Garze Tibetan Autonomous Prefecture",
    "凉山彝族自治州": "Liangshan Yi Autonomous Prefecture",
    # Guizhou
    "黔西南布依族苗族自治州": "Qianxinan Bouyei and Miao Autonomous Prefecture",
    "黔东南苗族侗族自治州": "Qiandongnan Miao and Dong Autonomous Prefecture",
    "黔南布依族苗族自治州": "Qiannan Bouyei and Miao Autonomous Prefecture",
    # Yunnan
    "普洱市": "Pu'er",
    "楚雄彝族自治州": "Chuxiong Yi Autonomous Prefecture",
    "红河哈尼族彝族自治州": "Honghe Hani and Yi Autonomous Prefecture",
    "文山壮族苗族自治州": "Wenshan Zhuang and Miao Autonomous Prefecture",
    "西双版纳傣族自治州": "Xishuangbanna Dai Autonomous Prefecture",
    "大理白族自治州": "Dali Bai Autonomous Prefecture",
    "德宏傣族景颇族自治州": "Dehong Dai and Jingpo Autonomous Prefecture",
    "怒江傈僳族自治州": "Nujiang Lisu Autonomous Prefecture",
    "迪庆藏族自治州": "Diqing Tibetan Autonomous Prefecture",
    # Tibet
    "拉萨市": "Lhasa",
    "日喀则市": "Shigatse",
    "昌都市": "Chamdo",
    "林芝市": "Nyingchi",
    "山南市": "Shannan",
    "那曲市": "Nagqu",
    "阿里地区": "Ngari Prefecture",
    # Gansu / Qinghai
    "临夏回族自治州": "Linxia Hui Autonomous Prefecture",
    "甘南藏族自治州": "Gannan Tibetan Autonomous Prefecture",
    "海北藏族自治州": "Haibei Tibetan Autonomous Prefecture",
    "黄南藏族自治州": "Huangnan Tibetan Autonomous Prefecture",
    "海南藏族自治州": "Hainan Tibetan Autonomous Prefecture",
    "果洛藏族自治州": "Golog Tibetan Autonomous Prefecture",
    "玉树藏族自治州": "Yushu Tibetan Autonomous Prefecture",
    "海西蒙古族藏族自治州": "Haixi Mongol and Tibetan Autonomous Prefecture",
    # Xinjiang
    "乌鲁木齐市": "Urumqi",
    "克拉玛依市": "Karamay",
    "吐鲁番市": "Turpan",
    "昌吉回族自治州": "Changji Hui Autonomous Prefecture",
    "博尔塔拉蒙古自治州": "Bortala Mongol Autonomous Prefecture",
    "巴音郭楞蒙古自治州": "Bayingolin Mongol Autonomous Prefecture",
    "阿克苏地区": "Aksu Prefecture",
    "克孜勒苏柯尔克孜自治州": "Kizilsu Kyrgyz Autonomous Prefecture",
    "喀什地区": "Kashgar Prefecture",
    "和田地区": "Hotan Prefecture",
    "伊犁哈萨克自治州": "Ili Kazakh Autonomous Prefecture",
    "塔城地区": "Tacheng Prefecture",
    "阿勒泰地区": "Altay Prefecture",
}

# Seat (capital town) of prefectures whose name is not a town name; used to find
# coordinates in GeoNames. Keys are full Chinese names.
PREFECTURE_SEATS: dict[str, str] = {
    "兴安盟": "乌兰浩特",
    "锡林郭勒盟": "锡林浩特",
    "阿拉善盟": "巴彦浩特",
    "大兴安岭地区": "加格达奇",
    "延边朝鲜族自治州": "延吉",
    "恩施土家族苗族自治州": "恩施",
    "湘西土家族苗族自治州": "吉首",
    "阿坝藏族羌族自治州": "马尔康",
    "甘孜藏族自治州": "康定",
    "凉山彝族自治州": "西昌",
    "黔西南布依族苗族自治州": "兴义",
    "黔东南苗族侗族自治州": "凯里",
    "黔南布依族苗族自治州": "都匀",
    "楚雄彝族自治州": "楚雄",
    "红河哈尼族彝族自治州": "蒙自",
    "文山壮族苗族自治州": "文山",
    "西双版纳傣族自治州": "景洪",
    "大理白族自治州": "大理",
    "德宏傣族景颇族自治州": "芒市",
    "怒江傈僳族自治州": "泸水",
    "迪庆藏族自治州": "香格里拉",
    "阿里地区": "狮泉河",
    "临夏回族自治州": "临夏",
    "甘南藏族自治州": "合作",
    "海北藏族自治州": "西海",
    "黄南藏族自治州": "同仁",
    "海南藏族自治州": "恰卜恰",
    "果洛藏族自治州": "大武",
    "玉树藏族自治州": "玉树",
    "海西蒙古族藏族自治州": "德令哈",
    "昌吉回族自治州": "昌吉",
    "博尔塔拉蒙古自治州": "博乐",
    "巴音郭楞蒙古自治州": "库尔勒",
    "阿克苏地区": "阿克苏",
    "克孜勒苏柯尔克孜自治州": "阿图什",
    "喀什地区": "喀什",
    "和田地区": "和田",
    "伊犁哈萨克自治州": "伊宁",
    "塔城地区": "塔城",
    "阿勒泰地区": "阿勒泰",
    # Prefecture-level cities named after something other than their seat.
    "黄山市": "屯溪",
    "海东市": "平安",
    "山南市": "泽当",
    "林芝市": "八一",
    "三沙市": "三沙",
}

# Last resort for prefectures GeoNames cannot place (seat coordinates, rounded).
PREFECTURE_COORDS: dict[str, tuple[float, float]] = {
    # Jiagedaqi lies in Inner Mongolia (GeoNames files it there) but is the
    # seat of Heilongjiang's Greater Khingan prefecture.
    "232700": (50.4167, 124.1167),
}

# Chinese names for world cities, keyed "CC|GeoNames name". Takes precedence over
# the Chinese alternate names found in GeoNames. Where a country has several
# cities with the same name, the most populous one gets the entry.
WORLD_CITY_ZH: dict[str, str] = {
    # East Asia
    "JP|Tokyo": "东京", "JP|Osaka": "大阪", "JP|Kyoto": "京都", "JP|Yokohama": "横滨",
    "JP|Nagoya": "名古屋", "JP|Sapporo": "札幌", "JP|Fukuoka": "福冈", "JP|Kobe": "神户",
    "JP|Hiroshima": "广岛", "JP|Sendai": "仙台", "JP|Nara-shi": "奈良", "JP|Naha": "那霸",
    "JP|Kawasaki": "川崎", "JP|Saitama": "埼玉", "JP|Chiba": "千叶",
    "JP|Kitakyushu": "北九州", "JP|Kagoshima": "鹿儿岛", "JP|Nagasaki": "长崎",
    "JP|Kanazawa": "金泽", "JP|Okayama": "冈山", "JP|Kumamoto": "熊本",
    "JP|Shizuoka": "静冈", "JP|Niigata": "新潟", "JP|Hakodate": "函馆",
    "JP|Hamamatsu": "滨松",
    "KR|Seoul": "首尔", "KR|Busan": "釜山", "KR|Incheon": "仁川", "KR|Daegu": "大邱",
    "KR|Daejeon": "大田", "KR|Gwangju": "光州", "KR|Ulsan": "蔚山", "KR|Suwon": "水原",
    "KR|Jeju City": "济州", "KR|Changwon": "昌原",
    "KP|Pyongyang": "平壤",
    "MN|Ulan Bator": "乌兰巴托",
    "TW|Taipei": "台北", "TW|Kaohsiung": "高雄", "TW|Taichung": "台中", "TW|Tainan": "台南",
    "TW|Hsinchu": "新竹", "TW|Keelung": "基隆", "TW|Taoyuan": "桃园",
    "HK|Hong Kong": "香港", "MO|Macau": "澳门",
    # South-east Asia
    "TH|Bangkok": "曼谷", "TH|Chiang Mai": "清迈", "TH|Phuket": "普吉", "TH|Pattaya": "芭提雅",
    "TH|Chiang Rai": "清莱", "TH|Hat Yai": "合艾", "TH|Krabi": "甲米",
    "VN|Hanoi": "河内", "VN|Ho Chi Minh City": "胡志明市", "VN|Da Nang": "岘港",
    "VN|Haiphong": "海防", "VN|Huế": "顺化", "VN|Nha Trang": "芽庄", "VN|Hoi An": "会安",
    "KH|Phnom Penh": "金边", "KH|Siem Reap": "暹粒",
    "LA|Vientiane": "万象", "LA|Luang Prabang": "琅勃拉邦",
    "MM|Yangon": "仰光", "MM|Mandalay": "曼德勒", "MM|Nay Pyi Taw": "内比都",
    "MY|Kuala Lumpur": "吉隆坡", "MY|George Town": "乔治市", "MY|Johor Bahru": "新山",
    "MY|Malacca": "马六甲", "MY|Kota Kinabalu": "亚庇", "MY|Kuching": "古晋", "MY|Ipoh": "怡保",
    "SG|Singapore": "新加坡",
    "ID|Jakarta": "雅加达", "ID|Surabaya": "泗水", "ID|Bandung": "万隆", "ID|Medan": "棉兰",
    "ID|Denpasar": "登巴萨", "ID|Yogyakarta": "日惹", "ID|Semarang": "三宝垄",
    "ID|Makassar": "望加锡",
    "PH|Manila": "马尼拉", "PH|Quezon City": "奎松城", "PH|Cebu City": "宿务",
    "PH|Davao": "达沃",
    "BN|Bandar Seri Begawan": "斯里巴加湾市", "TL|Dili": "帝力",
    # South Asia
    "IN|New Delhi": "新德里", "IN|Delhi": "德里", "IN|Mumbai": "孟买", "IN|Bengaluru": "班加罗尔",
    "IN|Kolkata": "加尔各答", "IN|Chennai": "金奈", "IN|Hyderabad": "海得拉巴",
    "IN|Ahmedabad": "艾哈迈达巴德", "IN|Pune": "浦那", "IN|Jaipur": "斋浦尔", "IN|Agra": "阿格拉",
    "IN|Varanasi": "瓦拉纳西",
    "PK|Islamabad": "伊斯兰堡", "PK|Karachi": "卡拉奇", "PK|Lahore": "拉合尔",
    "BD|Dhaka": "达卡", "LK|Colombo": "科伦坡", "NP|Kathmandu": "加德满都",
    "BT|Thimphu": "廷布", "MV|Male": "马累",
    # West and Central Asia
    "AF|Kabul": "喀布尔", "IR|Tehran": "德黑兰", "IR|Isfahan": "伊斯法罕",
    "IQ|Baghdad": "巴格达", "SA|Riyadh": "利雅得", "SA|Jeddah": "吉达", "SA|Makkah": "麦加",
    "AE|Dubai": "迪拜", "AE|Abu Dhabi": "阿布扎比", "QA|Doha": "多哈",
    "KW|Kuwait City": "科威特城", "OM|Muscat": "马斯喀特", "BH|Manama": "麦纳麦",
    "JO|Amman": "安曼", "LB|Beirut": "贝鲁特", "SY|Damascus": "大马士革",
    "IL|Jerusalem": "耶路撒冷", "IL|Tel Aviv": "特拉维夫",
    "TR|Istanbul": "伊斯坦布尔", "TR|Ankara": "安卡拉", "TR|İzmir": "伊兹密尔",
    "TR|Antalya": "安塔利亚",
    "KZ|Astana": "阿斯塔纳", "KZ|Almaty": "阿拉木图", "UZ|Tashkent": "塔什干",
    "UZ|Samarkand": "撒马尔罕", "KG|Bishkek": "比什凯克", "TJ|Dushanbe": "杜尚别",
    "TM|Ashgabat": "阿什哈巴德", "AZ|Baku": "巴库", "GE|Tbilisi": "第比利斯",
    "AM|Yerevan": "埃里温",
    # Russia and Eastern Europe
    "RU|Moscow": "莫斯科", "RU|Saint Petersburg": "圣彼得堡", "RU|Novosibirsk": "新西伯利亚",
    "RU|Vladivostok": "符拉迪沃斯托克", "RU|Yekaterinburg": "叶卡捷琳堡", "RU|Kazan": "喀山",
    "RU|Irkutsk": "伊尔库茨克", "RU|Khabarovsk": "哈巴罗夫斯克",
    "UA|Kyiv": "基辅", "UA|Odesa": "敖德萨", "UA|Kharkiv": "哈尔科夫", "BY|Minsk": "明斯克",
    "PL|Warsaw": "华沙", "PL|Kraków": "克拉科夫", "CZ|Prague": "布拉格",
    "SK|Bratislava": "布拉迪斯拉发", "HU|Budapest": "布达佩斯", "RO|Bucharest": "布加勒斯特",
    "BG|Sofia": "索非亚", "RS|Belgrade": "贝尔格莱德", "HR|Zagreb": "萨格勒布",
    "HR|Dubrovnik": "杜布罗夫尼克", "SI|Ljubljana": "卢布尔雅那", "BA|Sarajevo": "萨拉热窝",
    "AL|Tirana": "地拉那", "MK|Skopje": "斯科普里", "ME|Podgorica": "波德戈里察",
    "EE|Tallinn": "塔林", "LV|Riga": "里加", "LT|Vilnius": "维尔纽斯", "MD|Chisinau": "基希讷乌",
    # Western Europe
    "GB|London": "伦敦", "GB|Manchester": "曼彻斯特", "GB|Birmingham": "伯明翰",
    "GB|Liverpool": "利物浦", "GB|Edinburgh": "爱丁堡", "GB|Glasgow": "格拉斯哥",
    "GB|Oxford": "牛津", "GB|Cambridge": "剑桥", "GB|Bristol": "布里斯托尔", "GB|Leeds": "利兹",
    "IE|Dublin": "都柏林",
    "FR|Paris": "巴黎", "FR|Marseille": "马赛", "FR|Lyon": "里昂", "FR|Nice": "尼斯",
    "FR|Toulouse": "图卢兹", "FR|Bordeaux": "波尔多", "FR|Strasbourg": "斯特拉斯堡",
    "FR|Lille": "里尔",
    "DE|Berlin": "柏林", "DE|Munich": "慕尼黑", "DE|Hamburg": "汉堡",
    "DE|Frankfurt am Main": "法兰克福", "DE|Köln": "科隆", "DE|Stuttgart": "斯图加特",
    "DE|Düsseldorf": "杜塞尔多夫", "DE|Dresden": "德累斯顿", "DE|Leipzig": "莱比锡",
    "DE|Heidelberg": "海德堡", "DE|Nuremberg": "纽伦堡", "DE|Bonn": "波恩",
    "DE|Hannover": "汉诺威",
    "NL|Amsterdam": "阿姆斯特丹", "NL|Rotterdam": "鹿特丹", "NL|The Hague": "海牙",
    "NL|Utrecht": "乌得勒支",
    "BE|Brussels": "布鲁塞尔", "BE|Antwerp": "安特卫普", "LU|Luxembourg": "卢森堡",
    "CH|Zürich": "苏黎世", "CH|Geneva": "日内瓦", "CH|Bern": "伯尔尼", "CH|Basel": "巴塞尔",
    "CH|Lausanne": "洛桑",
    "AT|Vienna": "维也纳", "AT|Salzburg": "萨尔茨堡", "AT|Innsbruck": "因斯布鲁克",
    "IT|Rome": "罗马", "IT|Milan": "米兰", "IT|Venice": "威尼斯", "IT|Florence": "佛罗伦萨",
    "IT|Naples": "那不勒斯", "IT|Turin": "都灵", "IT|Bologna": "博洛尼亚",
    "IT|Palermo": "巴勒莫", "IT|Genoa": "热那亚",
    "ES|Madrid": "马德里", "ES|Barcelona": "巴塞罗那", "ES|Valencia": "巴伦西亚",
    "ES|Sevilla": "塞维利亚", "ES|Málaga": "马拉加", "ES|Bilbao": "毕尔巴鄂",
    "ES|Granada": "格拉纳达", "ES|Palma": "帕尔马",
    "PT|Lisbon": "里斯本", "PT|Porto": "波尔图",
    "GR|Athens": "雅典", "GR|Thessaloníki": "塞萨洛尼基",
    "DK|Copenhagen": "哥本哈根", "SE|Stockholm": "斯德哥尔摩", "SE|Gothenburg": "哥德堡",
    "NO|Oslo": "奥斯陆", "NO|Bergen": "卑尔根", "FI|Helsinki": "赫尔辛基",
    "IS|Reykjavík": "雷克雅未克", "CY|Nicosia": "尼科西亚", "MT|Valletta": "瓦莱塔",
    "MC|Monaco": "摩纳哥",
    # North America
    "US|New York City": "纽约", "US|Los Angeles": "洛杉矶", "US|Chicago": "芝加哥",
    "US|San Francisco": "旧金山", "US|Washington": "华盛顿", "US|Seattle": "西雅图",
    "US|Boston": "波士顿", "US|Houston": "休斯敦", "US|Dallas": "达拉斯", "US|Miami": "迈阿密",
    "US|Las Vegas": "拉斯维加斯", "US|Philadelphia": "费城", "US|Atlanta": "亚特兰大",
    "US|San Diego": "圣迭戈", "US|San Jose": "圣何塞", "US|Denver": "丹佛",
    "US|Phoenix": "菲尼克斯", "US|Detroit": "底特律", "US|Minneapolis": "明尼阿波利斯",
    "US|Portland": "波特兰", "US|Austin": "奥斯汀", "US|Honolulu": "檀香山",
    "US|Orlando": "奥兰多", "US|New Orleans": "新奥尔良", "US|Pittsburgh": "匹兹堡",
    "US|Salt Lake City": "盐湖城", "US|Sacramento": "萨克拉门托", "US|Baltimore": "巴尔的摩",
    "US|Anchorage": "安克雷奇", "US|Nashville": "纳什维尔",
    "CA|Toronto": "多伦多", "CA|Vancouver": "温哥华", "CA|Montréal": "蒙特利尔",
    "CA|Ottawa": "渥太华", "CA|Calgary": "卡尔加里", "CA|Edmonton": "埃德蒙顿",
    "CA|Québec": "魁北克城", "CA|Winnipeg": "温尼伯", "CA|Victoria": "维多利亚",
    "MX|Mexico City": "墨西哥城", "MX|Guadalajara": "瓜达拉哈拉", "MX|Monterrey": "蒙特雷",
    "MX|Cancún": "坎昆",
    "CU|Havana": "哈瓦那", "GT|Guatemala City": "危地马拉城", "PA|Panama City": "巴拿马城",
    "CR|San José": "圣何塞", "DO|Santo Domingo": "圣多明各", "JM|Kingston": "金斯敦",
    "PR|San Juan": "圣胡安",
    # South America
    "BR|São Paulo": "圣保罗", "BR|Rio de Janeiro": "里约热内卢", "BR|Brasília": "巴西利亚",
    "BR|Salvador": "萨尔瓦多", "BR|Belo Horizonte": "贝洛奥里藏特", "BR|Manaus": "马瑙斯",
    "BR|Recife": "累西腓", "BR|Porto Alegre": "阿雷格里港", "BR|Curitiba": "库里蒂巴",
    "BR|Fortaleza": "福塔雷萨",
    "AR|Buenos Aires": "布宜诺斯艾利斯", "AR|Córdoba": "科尔多瓦", "CL|Santiago": "圣地亚哥",
    "PE|Lima": "利马", "PE|Cusco": "库斯科", "CO|Bogotá": "波哥大", "CO|Medellín": "麦德林",
    "VE|Caracas": "加拉加斯", "EC|Quito": "基多", "EC|Guayaquil": "瓜亚基尔",
    "BO|La Paz": "拉巴斯", "UY|Montevideo": "蒙得维的亚", "PY|Asunción": "亚松森",
    # Africa
    "EG|Cairo": "开罗", "EG|Alexandria": "亚历山大", "EG|Luxor": "卢克索",
    "MA|Casablanca": "卡萨布兰卡", "MA|Rabat": "拉巴特", "MA|Marrakesh": "马拉喀什",
    "DZ|Algiers": "阿尔及尔", "TN|Tunis": "突尼斯", "LY|Tripoli": "的黎波里",
    "SD|Khartoum": "喀土穆", "ET|Addis Ababa": "亚的斯亚贝巴", "KE|Nairobi": "内罗毕",
    "KE|Mombasa": "蒙巴萨", "TZ|Dar es Salaam": "达累斯萨拉姆", "TZ|Dodoma": "多多马",
    "UG|Kampala": "坎帕拉", "RW|Kigali": "基加利", "NG|Lagos": "拉各斯", "NG|Abuja": "阿布贾",
    "GH|Accra": "阿克拉", "CI|Abidjan": "阿比让", "SN|Dakar": "达喀尔",
    "ZA|Johannesburg": "约翰内斯堡", "ZA|Cape Town": "开普敦", "ZA|Pretoria": "比勒陀利亚",
    "ZA|Durban": "德班", "ZW|Harare": "哈拉雷", "ZM|Lusaka": "卢萨卡", "AO|Luanda": "罗安达",
    "MZ|Maputo": "马普托", "CD|Kinshasa": "金沙萨", "CM|Yaoundé": "雅温得",
    "CM|Douala": "杜阿拉", "MG|Antananarivo": "塔那那利佛", "MU|Port Louis": "路易港",
    "DJ|Djibouti": "吉布提", "SO|Mogadishu": "摩加迪沙", "NA|Windhoek": "温得和克",
    "BW|Gaborone": "哈博罗内",
    # Oceania
    "AU|Sydney": "悉尼", "AU|Melbourne": "墨尔本", "AU|Brisbane": "布里斯班", "AU|Perth": "珀斯",
    "AU|Adelaide": "阿德莱德", "AU|Canberra": "堪培拉", "AU|Gold Coast": "黄金海岸",
    "AU|Cairns": "凯恩斯", "AU|Hobart": "霍巴特", "AU|Darwin": "达尔文",
    "NZ|Auckland": "奥克兰", "NZ|Wellington": "惠灵顿", "NZ|Christchurch": "基督城",
    "NZ|Queenstown": "皇后镇", "FJ|Suva": "苏瓦", "PG|Port Moresby": "莫尔斯比港",
}

# Japanese shinjitai forms that differ from simplified Chinese; applied to
# kanji alternate names of Japanese cities before accepting them as Chinese.
JA_TO_ZH = str.maketrans({
    "浜": "滨", "沢": "泽", "広": "广", "戸": "户", "関": "关", "県": "县", "児": "儿",
    "辺": "边", "徳": "德", "恵": "惠", "亀": "龟", "竜": "龙", "鉄": "铁", "塩": "盐",
    "桜": "樱", "沖": "冲", "縄": "绳", "岡": "冈", "館": "馆", "舘": "馆", "鶴": "鹤",
    "郷": "乡", "豊": "丰", "宮": "宫", "島": "岛", "東": "东", "長": "长",
    "橋": "桥", "倉": "仓", "賀": "贺", "須": "须", "間": "间", "瀬": "濑",
    "摂": "摄", "歳": "岁", "黒": "黑", "釧": "钏", "帯": "带", "荘": "庄",
    "場": "场", "湯": "汤", "葉": "叶", "蘇": "苏",
})
