"""Delivery places: major Chinese and world cities, Chinese provinces, a few countries,
in English and Chinese, each normalised to a canonical English name and ISO country code.

The region of a Chinese place is its province (``OfferQuery.region``: suppliers serve
provinces). Names that are also ordinary words are left out (Nice, Reading, Mobile), and
Chinese names that occur inside ordinary words (长沙 in 长沙发 "long sofa", 中山 in 中山路)
count only after a delivery word (到, 送, 发往...), see ``AMBIGUOUS_ZH``.
"""

from __future__ import annotations

from procurement_agent.understanding.model import Place

# (canonical name, country, region, English aliases "|"-separated, Chinese names)
_CN_CITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Shanghai", "Shanghai", "", "上海|沪"), ("Beijing", "Beijing", "peking", "北京"),
    ("Tianjin", "Tianjin", "", "天津"), ("Chongqing", "Chongqing", "", "重庆"),
    ("Shenzhen", "Guangdong", "", "深圳"), ("Guangzhou", "Guangdong", "canton", "广州"),
    ("Dongguan", "Guangdong", "", "东莞"), ("Foshan", "Guangdong", "", "佛山"),
    ("Zhuhai", "Guangdong", "", "珠海"), ("Zhongshan", "Guangdong", "", "中山"),
    ("Huizhou", "Guangdong", "", "惠州"), ("Shantou", "Guangdong", "", "汕头"),
    ("Jiangmen", "Guangdong", "", "江门"), ("Hangzhou", "Zhejiang", "", "杭州"),
    ("Ningbo", "Zhejiang", "", "宁波"), ("Wenzhou", "Zhejiang", "", "温州"),
    ("Yiwu", "Zhejiang", "", "义乌"), ("Jiaxing", "Zhejiang", "", "嘉兴"),
    ("Shaoxing", "Zhejiang", "", "绍兴"), ("Taizhou", "Zhejiang", "", "台州"),
    ("Jinhua", "Zhejiang", "", "金华"), ("Huzhou", "Zhejiang", "", "湖州"),
    ("Suzhou", "Jiangsu", "", "苏州"), ("Nanjing", "Jiangsu", "nanking", "南京"),
    ("Wuxi", "Jiangsu", "", "无锡"), ("Changzhou", "Jiangsu", "", "常州"),
    ("Nantong", "Jiangsu", "", "南通"), ("Xuzhou", "Jiangsu", "", "徐州"),
    ("Yangzhou", "Jiangsu", "", "扬州"), ("Kunshan", "Jiangsu", "", "昆山"),
    ("Qingdao", "Shandong", "tsingtao", "青岛"), ("Jinan", "Shandong", "", "济南"),
    ("Yantai", "Shandong", "", "烟台"), ("Weifang", "Shandong", "", "潍坊"),
    ("Linyi", "Shandong", "", "临沂"), ("Xiamen", "Fujian", "amoy", "厦门"),
    ("Fuzhou", "Fujian", "", "福州"), ("Quanzhou", "Fujian", "", "泉州"),
    ("Wuhan", "Hubei", "", "武汉"), ("Changsha", "Hunan", "", "长沙"),
    ("Chengdu", "Sichuan", "", "成都"), ("Xi'an", "Shaanxi", "xian", "西安"),
    ("Zhengzhou", "Henan", "", "郑州"), ("Luoyang", "Henan", "", "洛阳"),
    ("Hefei", "Anhui", "", "合肥"), ("Nanchang", "Jiangxi", "", "南昌"),
    ("Shenyang", "Liaoning", "", "沈阳"), ("Dalian", "Liaoning", "", "大连"),
    ("Harbin", "Heilongjiang", "", "哈尔滨"), ("Changchun", "Jilin", "", "长春"),
    ("Shijiazhuang", "Hebei", "", "石家庄"), ("Tangshan", "Hebei", "", "唐山"),
    ("Baoding", "Hebei", "", "保定"), ("Taiyuan", "Shanxi", "", "太原"),
    ("Hohhot", "Inner Mongolia", "", "呼和浩特"), ("Kunming", "Yunnan", "", "昆明"),
    ("Guiyang", "Guizhou", "", "贵阳"), ("Nanning", "Guangxi", "", "南宁"),
    ("Haikou", "Hainan", "", "海口"), ("Sanya", "Hainan", "", "三亚"),
    ("Lanzhou", "Gansu", "", "兰州"), ("Xining", "Qinghai", "", "西宁"),
    ("Yinchuan", "Ningxia", "", "银川"), ("Urumqi", "Xinjiang", "urumchi", "乌鲁木齐"),
    ("Lhasa", "Tibet", "", "拉萨"),
)  # fmt: skip

_PROVINCES: tuple[tuple[str, str], ...] = (
    ("Guangdong", "广东"), ("Zhejiang", "浙江"), ("Jiangsu", "江苏"), ("Shandong", "山东"),
    ("Fujian", "福建"), ("Hebei", "河北"), ("Henan", "河南"), ("Hubei", "湖北"),
    ("Hunan", "湖南"), ("Sichuan", "四川"), ("Anhui", "安徽"), ("Jiangxi", "江西"),
    ("Liaoning", "辽宁"), ("Jilin", "吉林"), ("Heilongjiang", "黑龙江"), ("Shaanxi", "陕西"),
    ("Shanxi", "山西"), ("Yunnan", "云南"), ("Guizhou", "贵州"), ("Guangxi", "广西"),
    ("Hainan", "海南"), ("Gansu", "甘肃"), ("Qinghai", "青海"), ("Ningxia", "宁夏"),
    ("Xinjiang", "新疆"), ("Tibet", "西藏"), ("Inner Mongolia", "内蒙古"),
)  # fmt: skip

# (canonical name, country, English aliases, Chinese names)
_WORLD: tuple[tuple[str, str, str, str], ...] = (
    ("Hong Kong", "HK", "hongkong|hk", "香港"), ("Macau", "MO", "macao", "澳门"),
    ("Taipei", "TW", "", "台北"), ("Kaohsiung", "TW", "", "高雄"),
    ("Tokyo", "JP", "", "东京"), ("Osaka", "JP", "", "大阪"), ("Yokohama", "JP", "", "横滨"),
    ("Seoul", "KR", "", "首尔"), ("Busan", "KR", "pusan", "釜山"),
    ("Singapore", "SG", "", "新加坡"), ("Kuala Lumpur", "MY", "kl", "吉隆坡"),
    ("Bangkok", "TH", "", "曼谷"),
    ("Ho Chi Minh City", "VN", "ho chi minh|saigon", "胡志明市|胡志明"),
    ("Hanoi", "VN", "", "河内"), ("Jakarta", "ID", "", "雅加达"), ("Manila", "PH", "", "马尼拉"),
    ("Mumbai", "IN", "bombay", "孟买"), ("New Delhi", "IN", "delhi", "新德里|德里"),
    ("Bangalore", "IN", "bengaluru", "班加罗尔"), ("Chennai", "IN", "", "金奈"),
    ("Karachi", "PK", "", "卡拉奇"), ("Dhaka", "BD", "", "达卡"),
    ("Dubai", "AE", "", "迪拜"), ("Abu Dhabi", "AE", "", "阿布扎比"),
    ("Riyadh", "SA", "", "利雅得"), ("Jeddah", "SA", "", "吉达"), ("Doha", "QA", "", "多哈"),
    ("Tel Aviv", "IL", "", "特拉维夫"), ("Istanbul", "TR", "", "伊斯坦布尔"),
    ("Cairo", "EG", "", "开罗"), ("Lagos", "NG", "", "拉各斯"), ("Nairobi", "KE", "", "内罗毕"),
    ("Johannesburg", "ZA", "", "约翰内斯堡"), ("Cape Town", "ZA", "", "开普敦"),
    ("Moscow", "RU", "", "莫斯科"), ("Saint Petersburg", "RU", "st petersburg", "圣彼得堡"),
    ("London", "GB", "", "伦敦"), ("Manchester", "GB", "", "曼彻斯特"),
    ("Birmingham", "GB", "", "伯明翰"), ("Dublin", "IE", "", "都柏林"),
    ("Paris", "FR", "", "巴黎"), ("Lyon", "FR", "", "里昂"), ("Marseille", "FR", "", "马赛"),
    ("Berlin", "DE", "", "柏林"), ("Hamburg", "DE", "", "汉堡"),
    ("Munich", "DE", "münchen|munchen", "慕尼黑"),
    ("Frankfurt", "DE", "", "法兰克福"), ("Cologne", "DE", "köln|koln", "科隆"),
    ("Duisburg", "DE", "", "杜伊斯堡"), ("Amsterdam", "NL", "", "阿姆斯特丹"),
    ("Rotterdam", "NL", "", "鹿特丹"), ("Antwerp", "BE", "antwerpen", "安特卫普"),
    ("Brussels", "BE", "", "布鲁塞尔"), ("Zurich", "CH", "zürich", "苏黎世"),
    ("Geneva", "CH", "", "日内瓦"), ("Vienna", "AT", "", "维也纳"), ("Prague", "CZ", "", "布拉格"),
    ("Warsaw", "PL", "", "华沙"), ("Budapest", "HU", "", "布达佩斯"),
    ("Stockholm", "SE", "", "斯德哥尔摩"), ("Copenhagen", "DK", "", "哥本哈根"),
    ("Oslo", "NO", "", "奥斯陆"), ("Helsinki", "FI", "", "赫尔辛基"),
    ("Madrid", "ES", "", "马德里"), ("Barcelona", "ES", "", "巴塞罗那"),
    ("Valencia", "ES", "", "瓦伦西亚"), ("Lisbon", "PT", "", "里斯本"),
    ("Rome", "IT", "", "罗马"), ("Milan", "IT", "milano", "米兰"), ("Athens", "GR", "", "雅典"),
    ("New York", "US", "nyc|new york city", "纽约"), ("Los Angeles", "US", "la", "洛杉矶"),
    ("San Francisco", "US", "sf", "旧金山"), ("Chicago", "US", "", "芝加哥"),
    ("Houston", "US", "", "休斯顿"), ("Seattle", "US", "", "西雅图"), ("Miami", "US", "", "迈阿密"),
    ("Boston", "US", "", "波士顿"), ("Atlanta", "US", "", "亚特兰大"),
    ("Dallas", "US", "", "达拉斯"),
    ("Toronto", "CA", "", "多伦多"), ("Vancouver", "CA", "", "温哥华"),
    ("Montreal", "CA", "", "蒙特利尔"),
    ("Mexico City", "MX", "", "墨西哥城"), ("São Paulo", "BR", "sao paulo", "圣保罗"),
    ("Rio de Janeiro", "BR", "rio", "里约热内卢|里约"),
    ("Buenos Aires", "AR", "", "布宜诺斯艾利斯"),
    ("Santiago", "CL", "", "圣地亚哥"), ("Lima", "PE", "", "利马"),
    ("Bogotá", "CO", "bogota", "波哥大"),
    ("Sydney", "AU", "", "悉尼"), ("Melbourne", "AU", "", "墨尔本"),
    ("Brisbane", "AU", "", "布里斯班"),
    ("Perth", "AU", "", "珀斯"), ("Auckland", "NZ", "", "奥克兰"),
)  # fmt: skip

# Countries as a whole (a delivery "to Germany"): region "".
_COUNTRIES: tuple[tuple[str, str, str, str], ...] = (
    ("China", "CN", "mainland china|prc", "中国|国内|大陆"), ("Germany", "DE", "", "德国"),
    ("United Kingdom", "GB", "uk|britain|england", "英国"), ("France", "FR", "", "法国"),
    ("United States", "US", "usa|america", "美国"), ("Japan", "JP", "", "日本"),
    ("South Korea", "KR", "korea", "韩国"), ("Vietnam", "VN", "viet nam", "越南"),
    ("Thailand", "TH", "", "泰国"), ("Malaysia", "MY", "", "马来西亚"),
    ("Indonesia", "ID", "", "印尼|印度尼西亚"), ("India", "IN", "", "印度"),
    ("Australia", "AU", "", "澳大利亚|澳洲"), ("Canada", "CA", "", "加拿大"),
    ("Netherlands", "NL", "holland", "荷兰"), ("Italy", "IT", "", "意大利"),
    ("Spain", "ES", "", "西班牙"), ("Poland", "PL", "", "波兰"), ("Brazil", "BR", "", "巴西"),
    ("Mexico", "MX", "", "墨西哥"), ("Russia", "RU", "", "俄罗斯"),
    ("United Arab Emirates", "AE", "uae", "阿联酋"), ("Saudi Arabia", "SA", "", "沙特|沙特阿拉伯"),
    ("Philippines", "PH", "", "菲律宾"),
)  # fmt: skip

# Chinese names that also occur inside ordinary words: they need a delivery word before them.
AMBIGUOUS_ZH = frozenset({"长沙", "中山", "汉堡", "台州", "南通", "金华", "保定", "沪", "国内",
                          "大陆", "里约", "德里", "海南", "西藏"})  # fmt: skip
# English aliases that are ordinary words or codes: they too need a delivery word.
AMBIGUOUS_EN = frozenset({"la", "sf", "kl", "hk", "rio", "china", "canton", "lima",
                          "santiago", "valencia", "perth", "lagos"})  # fmt: skip


def _build() -> tuple[dict[str, Place], list[tuple[str, str]]]:
    places: dict[str, Place] = {}
    names: list[tuple[str, str]] = []  # (surface, key)

    def add(place: Place, aliases: str, zh: str) -> None:
        key = str(place)
        places.setdefault(key, place)
        for surface in (place.name, *aliases.split("|"), *zh.split("|")):
            if surface:
                names.append((surface, key))

    for name, region, aliases, zh in _CN_CITIES:
        add(Place(name, "CN", region), aliases, zh)
    for name, zh in _PROVINCES:
        add(Place(name, "CN", name), "", zh)
    for name, country, aliases, zh in (*_WORLD, *_COUNTRIES):
        add(Place(name, country, ""), aliases, zh)
    return places, names


PLACES, PLACE_NAMES = _build()
