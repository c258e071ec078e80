"""The simulated questionnaire: the item bank of the baseline form, the harder new items later
forms draw on, and the ``instrument.csv`` table of a form."""

from __future__ import annotations

import numpy as np
import pandas as pd

from literacy.simulation.codes import DONT_KNOW

__all__ = ["TRUE_FALSE", "SINGLE_CHOICE", "ITEM_BANK", "NEW_ITEMS", "instrument_rows", "make_instrument"]

# The questionnaire. Modelled on the parts of the national civic science literacy survey
# (CRISP / CAST): science knowledge, methods, spirit and thinking, application. Each item:
# (id, part, points, type, correct code, difficulty b, discrimination a, text_zh, text_en).
# True/false items: 1 = true (对), 2 = false (错). Single choice: codes 1-4 as listed in the text.
# b and a are the simulation's item parameters on the latent literacy scale; they are not part
# of the delivered instrument.
#: ``item_type`` of a true/false item (codes 1 = true, 2 = false).
TRUE_FALSE = "true_false"
#: ``item_type`` of a single-choice item (codes 1-4).
SINGLE_CHOICE = "single_choice"
#: The baseline form's items.
ITEM_BANK: tuple[tuple, ...] = (
    # -- science knowledge: 20 items x 2 points ------------------------------------------------
    ("Q01", "knowledge", 2.0, TRUE_FALSE, 1, -1.6, 0.84,
     "地心的温度非常高。",
     "The centre of the Earth is very hot."),
    ("Q02", "knowledge", 2.0, TRUE_FALSE, 2, 0.7, 0.77,
     "抗生素能够杀死病毒。",
     "Antibiotics kill viruses as well as bacteria."),
    ("Q03", "knowledge", 2.0, TRUE_FALSE, 2, 0.9, 0.70,
     "激光是由会聚声波而产生的。",
     "Lasers work by focusing sound waves."),
    ("Q04", "knowledge", 2.0, TRUE_FALSE, 1, 0.1, 0.84,
     "电子比原子小。",
     "Electrons are smaller than atoms."),
    ("Q05", "knowledge", 2.0, TRUE_FALSE, 2, 0.5, 0.70,
     "所有的放射性现象都是人为造成的。",
     "All radioactivity is man-made."),
    ("Q06", "knowledge", 2.0, TRUE_FALSE, 1, -1.3, 0.91,
     "我们呼吸的氧气来源于植物。",
     "The oxygen we breathe comes from plants."),
    ("Q07", "knowledge", 2.0, TRUE_FALSE, 1, -0.3, 0.77,
     "数百万年来，我们生活的大陆一直在缓慢地漂移，并将继续漂移。",
     "The continents on which we live have been moving slowly for millions of years and will continue to move."),
    ("Q08", "knowledge", 2.0, TRUE_FALSE, 1, -0.1, 0.70,
     "就我们目前所知，人类是从较早期的动物进化而来的。",
     "Human beings, as we know them today, developed from earlier species of animals."),
    ("Q09", "knowledge", 2.0, TRUE_FALSE, 1, 0.4, 0.77,
     "孩子的性别是由父亲的基因决定的。",
     "It is the father's gene that decides whether a baby is a boy or a girl."),
    ("Q10", "knowledge", 2.0, SINGLE_CHOICE, 3, -1.8, 0.98,
     "地球绕太阳公转一周需要多长时间？（1）一天（2）一个月（3）一年（4）十年",
     "How long does it take the Earth to go round the Sun? (1) One day (2) One month (3) One year (4) Ten years"),
    ("Q11", "knowledge", 2.0, TRUE_FALSE, 1, -1.0, 0.84,
     "光速比声速快。",
     "Light travels faster than sound."),
    ("Q12", "knowledge", 2.0, TRUE_FALSE, 1, -2.0, 0.91,
     "吸烟会导致肺癌。",
     "Smoking can cause lung cancer."),
    ("Q13", "knowledge", 2.0, TRUE_FALSE, 2, 0.3, 0.77,
     "含有放射性物质的牛奶经过煮沸后就对人体无害了。",
     "Milk contaminated with radioactive material is safe to drink once it has been boiled."),
    ("Q14", "knowledge", 2.0, TRUE_FALSE, 2, 0.2, 0.70,
     "与乙肝病毒携带者一起吃饭就会被传染乙肝。",
     "Sharing a meal with a hepatitis B carrier is enough to catch hepatitis B."),
    ("Q15", "knowledge", 2.0, SINGLE_CHOICE, 3, -0.7, 0.91,
     "下列哪种能源属于可再生能源？（1）煤炭（2）石油（3）太阳能（4）天然气",
     "Which of these is a renewable source of energy? (1) Coal (2) Oil (3) Solar energy (4) Natural gas"),
    ("Q16", "knowledge", 2.0, SINGLE_CHOICE, 2, -0.9, 0.84,
     "水的化学式是：（1）CO₂（2）H₂O（3）O₂（4）NaCl",
     "The chemical formula of water is: (1) CO₂ (2) H₂O (3) O₂ (4) NaCl"),
    ("Q17", "knowledge", 2.0, TRUE_FALSE, 1, 0.0, 0.70,
     "声音不能在真空中传播。",
     "Sound cannot travel through a vacuum."),
    ("Q18", "knowledge", 2.0, SINGLE_CHOICE, 1, -0.4, 0.77,
     "下列哪种疾病是通过蚊子叮咬传播的？（1）疟疾（2）乙肝（3）肺结核（4）糖尿病",
     "Which of these diseases is spread by mosquito bites? (1) Malaria (2) Hepatitis B (3) Tuberculosis (4) Diabetes"),
    ("Q19", "knowledge", 2.0, TRUE_FALSE, 1, -0.3, 0.77,
     "煤和石油是由远古生物的遗体经过漫长的地质作用形成的。",
     "Coal and oil were formed from the remains of ancient living things over long geological ages."),
    ("Q20", "knowledge", 2.0, TRUE_FALSE, 2, 0.1, 0.77,
     "用微波炉加热过的食物会带有放射性。",
     "Food heated in a microwave oven becomes radioactive."),
    # -- science methods: 5 items x 4 points ---------------------------------------------------
    ("Q21", "methods", 4.0, SINGLE_CHOICE, 2, 1.4, 1.05,
     "您认为“科学地研究事物”是什么意思？（1）引进和使用新技术、新设备（2）通过观察提出假设，再用实验或系统的证据来检验（3）用计算机处理大量数据（4）听取权威专家的说法",
     "What does it mean to study something scientifically? (1) To bring in and use new technology and equipment "
     "(2) To form a hypothesis from observation and test it with experiments or systematic evidence "
     "(3) To process large amounts of data by computer (4) To follow what authoritative experts say"),
    ("Q22", "methods", 4.0, SINGLE_CHOICE, 3, 1.2, 1.05,
     "医生告诉一对夫妇，他们生的孩子患某种遗传病的可能性是四分之一。这意味着："
     "（1）如果前三个孩子都健康，第四个孩子一定患病"
     "（2）如果第一个孩子患病，后面三个孩子就不会患病"
     "（3）他们生的每个孩子患这种病的可能性都是四分之一"
     "（4）如果他们只生三个孩子，就都不会患病",
     "A doctor tells a couple that each child they have has a one-in-four chance of an inherited illness. This means: "
     "(1) If their first three children are healthy, the fourth will have the illness "
     "(2) If their first child has the illness, the next three will not "
     "(3) Each of their children has the same one-in-four chance of having the illness "
     "(4) If they have only three children, none will have the illness"),
    ("Q23", "methods", 4.0, SINGLE_CHOICE, 2, 1.3, 1.05,
     "为检验一种治疗高血压的新药是否有效，下列哪种做法最科学？"
     "（1）给1000名高血压患者服用，看有多少人血压下降"
     "（2）把1000名高血压患者随机分成两组，一组服新药，另一组服外观相同但无药效的安慰剂，比较两组的血压变化"
     "（3）请医生自己服用并谈感受"
     "（4）看服药者是否愿意继续购买",
     "To find out whether a new drug for high blood pressure works, which is the most scientific way? "
     "(1) Give it to 1,000 patients and count how many see their blood pressure fall "
     "(2) Divide 1,000 patients at random into two groups, give one group the drug and the other an identical-looking "
     "dummy pill (placebo), and compare the change in blood pressure between the groups "
     "(3) Ask doctors to take it themselves and describe how they feel "
     "(4) See whether the patients want to keep buying it"),
    ("Q24", "methods", 4.0, TRUE_FALSE, 1, 0.6, 0.91,
     "在对照实验中，除了要研究的因素外，两组的其他条件应当尽量相同。",
     "In a controlled experiment the two groups should be as alike as possible in everything except the "
     "factor being studied."),
    ("Q25", "methods", 4.0, SINGLE_CHOICE, 2, 1.6, 1.05,
     "一项调查发现，经常喝咖啡的人患肺癌的比例较高。下列哪种说法最合理？"
     "（1）喝咖啡一定会导致肺癌"
     "（2）经常喝咖啡的人可能吸烟也较多，要排除吸烟等因素的影响才能下结论"
     "（3）调查结果说明肺癌会让人爱喝咖啡"
     "（4）只要调查人数足够多，就能证明咖啡致癌",
     "A survey finds that people who drink a lot of coffee are more likely to have lung cancer. Which conclusion is "
     "most reasonable? (1) Coffee certainly causes lung cancer (2) Heavy coffee drinkers may also smoke more; the "
     "effect of smoking and other factors must be ruled out before concluding anything (3) The survey shows that "
     "lung cancer makes people like coffee (4) With enough people surveyed, this proves that coffee causes cancer"),
    # -- scientific spirit and thinking: 5 items x 4 points ------------------------------------
    ("Q26", "spirit", 4.0, SINGLE_CHOICE, 3, -0.3, 0.91,
     "您怎样看待求签、算命？（1）能够预测人的命运（2）有一定的科学道理（3）没有科学依据，不可信（4）灵不灵要看算命先生的水平",
     "What do you think of drawing fortune sticks and fortune-telling? (1) They can predict a person's fate "
     "(2) There is some science in them (3) They have no scientific basis and cannot be trusted "
     "(4) Whether they work depends on how skilled the fortune-teller is"),
    ("Q27", "spirit", 4.0, SINGLE_CHOICE, 3, -0.1, 0.98,
     "某保健品广告称其为“祖传秘方，包治百病，无任何副作用”，您认为：（1）可信，因为是祖传秘方（2）可信，因为很多人在用（3）不可信，没有任何药品能包治百病而又毫无副作用（4）价格高就可信",
     "An advert says a health product is \"a secret family recipe that cures every illness with no side effects\". "
     "You think: (1) It can be trusted because it is an old family recipe (2) It can be trusted because many people "
     "use it (3) It cannot be trusted: no medicine cures every illness without any side effects "
     "(4) It can be trusted if it is expensive"),
    ("Q28", "spirit", 4.0, TRUE_FALSE, 2, 0.4, 0.91,
     "科学结论一旦得出，就永远不会改变。",
     "Once a scientific conclusion has been reached, it can never change."),
    ("Q29", "spirit", 4.0, TRUE_FALSE, 1, 0.3, 0.84,
     "一种说法如果没有可靠的证据支持，即使很多人相信，也不能当作事实。",
     "A claim without reliable evidence should not be taken as fact, however many people believe it."),
    ("Q30", "spirit", 4.0, SINGLE_CHOICE, 3, -0.5, 0.91,
     "网上流传“本地近日将发生大地震”的消息，您应该：（1）马上转发提醒亲友（2）立即离家外出躲避（3）以地震部门等官方权威发布为准，不信谣、不传谣（4）赶紧抢购食品和水",
     "A message online says \"a big earthquake will strike here in the next few days\". You should: "
     "(1) Forward it at once to warn family and friends (2) Leave home immediately "
     "(3) Rely on official announcements from the earthquake authority and neither believe nor spread rumours "
     "(4) Rush to stock up on food and water"),
    # -- ability to apply science: 5 items x 4 points ------------------------------------------
    ("Q31", "application", 4.0, SINGLE_CHOICE, 4, -0.6, 0.98,
     "某药品说明书写着“成人一次2片，一日3次”。成人一天最多应服用几片？（1）2片（2）3片（3）5片（4）6片",
     "A medicine leaflet says \"adults: 2 tablets each time, 3 times a day\". At most how many tablets should an adult "
     "take in a day? (1) 2 (2) 3 (3) 5 (4) 6"),
    ("Q32", "application", 4.0, SINGLE_CHOICE, 2, 0.5, 0.98,
     "药盒上标有“生产日期：2023年3月；有效期：24个月”。这盒药最晚可以用到：（1）2024年3月（2）2025年2月底（3）2026年3月（4）没有期限",
     "A medicine box reads \"Manufactured: March 2023; shelf life: 24 months\". It can be used until at the latest: "
     "(1) March 2024 (2) the end of February 2025 (3) March 2026 (4) There is no limit"),
    ("Q33", "application", 4.0, SINGLE_CHOICE, 1, 0.7, 0.98,
     "某食品营养成分表标明“每100克含钠800毫克”。吃完一袋50克的该食品，摄入了多少钠？（1）400毫克（2）800毫克（3）1600毫克（4）50毫克",
     "A food's nutrition label says \"sodium 800 mg per 100 g\". How much sodium is in a whole 50 g packet? "
     "(1) 400 mg (2) 800 mg (3) 1,600 mg (4) 50 mg"),
    ("Q34", "application", 4.0, SINGLE_CHOICE, 3, -0.9, 0.91,
     "在室内遇到地震时，正确的做法是：（1）乘电梯迅速下楼（2）从窗户跳下逃生（3）就近躲到坚固的桌子下或承重墙墙角，护住头部（4）站到窗边观察情况",
     "If an earthquake strikes while you are indoors, you should: (1) Take the lift down quickly "
     "(2) Jump out of the window (3) Take cover under a sturdy table or in the corner of a load-bearing wall and "
     "protect your head (4) Stand by the window to see what is happening"),
    ("Q35", "application", 4.0, SINGLE_CHOICE, 3, -0.5, 0.91,
     "闻到家中有燃气（天然气、煤气）泄漏的气味，首先应该：（1）开灯查看（2）在屋里打电话报警（3）关闭燃气阀门，打开门窗通风，到室外再打电话求助（4）用打火机找漏气的地方",
     "You smell gas leaking at home. The first thing to do is: (1) Switch on the light to look "
     "(2) Call for help from inside the flat (3) Turn off the gas valve, open the doors and windows, and call for "
     "help once outside (4) Use a lighter to find the leak"),
)

#: New items of the end-of-period form (ids N01...), harder than the baseline items they replace;
#: same layout as ITEM_BANK. A form takes, per part, as many of them (in this order) as it replaces.
NEW_ITEMS: tuple[tuple, ...] = (
    # -- science knowledge: 2 points ------------------------------------------------------------
    ("N01", "knowledge", 2.0, TRUE_FALSE, 2, 0.85, 0.84,
     "核电站是利用核聚变来发电的。",
     "Nuclear power stations generate electricity by nuclear fusion."),
    ("N02", "knowledge", 2.0, SINGLE_CHOICE, 3, 0.75, 0.91,
     "DNA双螺旋结构是由谁提出的？（1）孟德尔（2）达尔文（3）沃森和克里克（4）巴斯德",
     "Who proposed the double-helix structure of DNA? (1) Mendel (2) Darwin (3) Watson and Crick (4) Pasteur"),
    ("N03", "knowledge", 2.0, TRUE_FALSE, 1, 0.25, 0.77,
     "大气中的臭氧层能吸收太阳的大部分紫外线。",
     "The ozone layer absorbs most of the Sun's ultraviolet radiation."),
    ("N04", "knowledge", 2.0, TRUE_FALSE, 2, 0.55, 0.77,
     "5G手机信号的电磁辐射会破坏人体细胞中的DNA。",
     "The radiation from 5G mobile phone signals damages the DNA in human cells."),
    ("N05", "knowledge", 2.0, SINGLE_CHOICE, 2, 0.35, 0.84,
     "下列哪种现象主要是由月球引力造成的？（1）四季变化（2）潮汐（3）昼夜交替（4）极光",
     "Which of these is caused mainly by the Moon's gravity? (1) The seasons (2) The tides (3) Day and night "
     "(4) The aurora"),
    ("N06", "knowledge", 2.0, TRUE_FALSE, 2, 0.15, 0.77,
     "植物进行光合作用时会释放二氧化碳。",
     "Plants give off carbon dioxide when they photosynthesise."),
    ("N07", "knowledge", 2.0, TRUE_FALSE, 1, 0.05, 0.84,
     "接种疫苗是利用人体免疫系统产生抗体的原理来预防疾病的。",
     "Vaccines prevent disease by getting the body's immune system to make antibodies."),
    ("N08", "knowledge", 2.0, SINGLE_CHOICE, 3, 0.45, 0.77,
     "成年人身体中含量最多的物质是：（1）蛋白质（2）脂肪（3）水（4）糖类",
     "Which substance makes up most of an adult's body? (1) Protein (2) Fat (3) Water (4) Sugars"),
    ("N09", "knowledge", 2.0, TRUE_FALSE, 1, 0.95, 0.77,
     "北斗卫星导航系统是通过测量卫星信号到达接收机的时间来定位的。",
     "The BeiDou satellite navigation system finds a position by timing how long the satellites' signals take to "
     "reach the receiver."),
    ("N10", "knowledge", 2.0, TRUE_FALSE, 2, 0.65, 0.84,
     "吃了转基因食品，人的基因就会被改变。",
     "Eating genetically modified food changes the eater's own genes."),
    ("N11", "knowledge", 2.0, SINGLE_CHOICE, 2, 0.55, 0.84,
     "“光年”是什么的单位？（1）时间（2）距离（3）亮度（4）速度",
     "A light year is a unit of: (1) Time (2) Distance (3) Brightness (4) Speed"),
    ("N12", "knowledge", 2.0, TRUE_FALSE, 1, -0.05, 0.91,
     "滥用抗生素会使细菌产生耐药性。",
     "Overusing antibiotics makes bacteria resistant to them."),
    ("N13", "knowledge", 2.0, TRUE_FALSE, 1, 0.45, 0.77,
     "乙醇汽油中的乙醇可以用玉米等农作物发酵制得。",
     "The ethanol in ethanol petrol can be made by fermenting crops such as maize."),
    # -- science methods: 4 points --------------------------------------------------------------
    ("N14", "methods", 4.0, SINGLE_CHOICE, 2, 1.05, 1.05,
     "要比较两种肥料对小麦产量的影响，下列哪种做法最可靠？"
     "（1）甲肥料用在一块地里，乙肥料用在另一块土质不同的地里"
     "（2）把条件相同的若干块地随机分成两组，分别施用甲、乙肥料，比较两组的平均产量"
     "（3）今年用甲肥料，明年用乙肥料（4）问邻居哪种肥料好",
     "To compare the effect of two fertilisers on wheat yields, which is the most reliable way? "
     "(1) Use fertiliser A on one field and B on another field with different soil "
     "(2) Divide a number of similar plots at random into two groups, give one group A and the other B, and compare "
     "the groups' average yields (3) Use A this year and B next year (4) Ask the neighbours which is better"),
    ("N15", "methods", 4.0, SINGLE_CHOICE, 2, 1.15, 1.05,
     "调查发现，冰淇淋卖得多的日子，溺水的人也多。最合理的解释是：（1）吃冰淇淋导致溺水"
     "（2）天气炎热时，吃冰淇淋的人和游泳的人都多（3）溺水的人喜欢吃冰淇淋（4）这是巧合，不需要解释",
     "A survey finds that more people drown on days when more ice cream is sold. The most reasonable explanation "
     "is: (1) Eating ice cream causes drowning (2) In hot weather more people eat ice cream and more people go "
     "swimming (3) People who drown like ice cream (4) It is a coincidence and needs no explanation"),
    ("N16", "methods", 4.0, SINGLE_CHOICE, 2, 1.25, 1.05,
     "一位研究者公布了一项新发现，其他科学家最看重的是：（1）研究者的名气"
     "（2）其他研究者能否用独立的实验重复出同样的结果（3）这个发现是否新奇（4）媒体报道的多少",
     "A researcher announces a new finding. What do other scientists care about most? (1) How famous the "
     "researcher is (2) Whether other researchers can get the same result in independent experiments "
     "(3) How surprising the finding is (4) How much the media report it"),
    # -- scientific spirit and thinking: 4 points -----------------------------------------------
    ("N17", "spirit", 4.0, TRUE_FALSE, 1, 0.45, 0.91,
     "科学研究允许失败，一次失败的实验也可能提供有价值的信息。",
     "Science allows for failure: a failed experiment can still give valuable information."),
    ("N18", "spirit", 4.0, SINGLE_CHOICE, 3, 0.35, 0.98,
     "有人说“某两种食物同吃会中毒”，判断这种说法最好的办法是：（1）看转发的人多不多（2）听长辈的经验"
     "（3）查阅权威机构发布的科学研究证据（4）自己同时吃一次试试",
     "Someone says that eating two particular foods together is poisonous. The best way to judge the claim is: "
     "(1) See how many people have shared it (2) Go by what older people say (3) Look up the scientific evidence "
     "published by authoritative bodies (4) Try eating them together once"),
    ("N19", "spirit", 4.0, TRUE_FALSE, 2, 0.55, 0.91,
     "只要是专家说的，就一定是正确的。",
     "Whatever an expert says must be right."),
    # -- ability to apply science: 4 points -----------------------------------------------------
    ("N20", "application", 4.0, SINGLE_CHOICE, 2, 0.65, 0.98,
     "某降压药说明书写着“每日一次，每次1片”。漏服一次后，正确的做法是：（1）下次服2片补上"
     "（2）按说明书或遵医嘱处理，不要自行加倍服用（3）停药一周（4）改服别的药",
     "A blood-pressure medicine's leaflet says \"one tablet once a day\". After missing a dose you should: "
     "(1) Take two tablets next time to make up for it (2) Follow the leaflet or the doctor's advice, and never "
     "double the dose on your own (3) Stop taking it for a week (4) Switch to another medicine"),
    ("N21", "application", 4.0, SINGLE_CHOICE, 2, 0.25, 0.91,
     "家用电器起火时，首先应该：（1）用水浇灭（2）切断电源，再用干粉灭火器或湿棉被灭火（3）打开门窗通风（4）用嘴吹灭",
     "If an electrical appliance at home catches fire, the first thing to do is: (1) Pour water on it (2) Cut off "
     "the power, then use a dry-powder extinguisher or a wet blanket (3) Open the doors and windows (4) Blow it out"),
    ("N22", "application", 4.0, SINGLE_CHOICE, 3, 0.85, 0.98,
     "某贷款广告称“月利率1%”，折合年利率大约是：（1）1%（2）6%（3）12%（4）100%",
     "A loan advert says \"1% interest a month\". Roughly what annual rate is that? (1) 1% (2) 6% (3) 12% "
     "(4) 100%"),
)


def instrument_rows(items) -> pd.DataFrame:
    """The ``instrument.csv`` table of a form's items.

    Parameters
    ----------
    items : sequence of tuple
        Items in the layout of :data:`ITEM_BANK`.

    Returns
    -------
    DataFrame
        item_id, part, points, item_type, correct, valid_codes, dont_know_code, text_zh, text_en.
    """
    rows = [{
        "item_id": it[0], "part": it[1], "points": float(it[2]), "item_type": it[3], "correct": int(it[4]),
        "valid_codes": "1;2" if it[3] == TRUE_FALSE else "1;2;3;4", "dont_know_code": DONT_KNOW,
        "text_zh": it[7], "text_en": it[8],
    } for it in items]
    out = pd.DataFrame(rows)
    out["correct"] = out["correct"].astype(np.int64)
    out["dont_know_code"] = out["dont_know_code"].astype(np.int64)
    return out


def make_instrument() -> pd.DataFrame:
    """The simulated baseline questionnaire in the layout of ``instrument.csv``.

    Returns
    -------
    DataFrame
        35 items (knowledge 20 x 2 points, methods 5 x 4, spirit and thinking 5 x 4,
        application 5 x 4: 100 points) with columns item_id, part, points, item_type,
        correct, valid_codes, dont_know_code, text_zh, text_en.
    """
    return instrument_rows(ITEM_BANK)
