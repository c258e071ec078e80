"""A simulated survey programme: the embedded default data of an assessment.

The simulation builds, for every configured round, a synthetic population of adults living in
primary sampling units (urban communities 社区 and rural villages 村), scores every adult on
the questionnaire with an item-response model, draws a stratified two-stage sample exactly as
a survey agency would (PSUs with probability proportional to size, systematic without
replacement within strata; then a fixed number of adults by simple random sampling within
each sampled PSU), applies unit nonresponse that depends on covariates, and returns the files
of a delivery in the layout real data uses (``instrument``, ``responses``, ``sample``,
``margins``) plus the population truth the estimates can be checked against.

City-specific numbers (district sizes, rural shares, sex ratio, PSU sizes, target rates,
sample allocation) come from the config's ``simulation`` section; the behavioural model
(education by age, occupation, literacy, response propensity) is a generic, illustrative
model of a Chinese industrial prefecture-level city, written down as the constants below.
Nothing here reads or writes files.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from literacy.assessment import population_rates
from literacy.config import validate_config
from literacy.domains import age_band
from literacy.errors import ConfigError, DesignError
from literacy.scoring import level_indicators

__all__ = [
    "Programme",
    "RoundData",
    "make_instrument",
    "make_forms",
    "simulate_programme",
    "pps_systematic",
    "EDUCATION",
    "OCCUPATION",
    "RESIDENCE",
    "SEX",
]

# --------------------------------------------------------------------------------------------
# Vocabulary of the data contract (codes, not city constants).
RESIDENCE = ("urban", "rural")
SEX = ("male", "female")
EDUCATION = ("primary_or_less", "junior_high", "senior_high", "junior_college", "bachelor_plus")
OCCUPATION = ("farmer_herder", "industrial_worker", "civil_servant_cadre", "professional",
              "commerce_service", "student", "not_working", "other")
DONT_KNOW = 8

# --------------------------------------------------------------------------------------------
# The questionnaire. Modelled on the parts of the national civic science literacy survey
# (CRISP / CAST): science knowledge, methods, spirit and thinking, application. Each item:
# (id, part, points, type, correct code, difficulty b, discrimination a, text_zh, text_en).
# True/false items: 1 = true (对), 2 = false (错). Single choice: codes 1-4 as listed in the text.
# b and a are the simulation's item parameters on the latent literacy scale; they are not part
# of the delivered instrument.
_TF = "true_false"
_SC = "single_choice"
_ITEMS: tuple[tuple, ...] = (
    # -- science knowledge: 20 items x 2 points ------------------------------------------------
    ("Q01", "knowledge", 2.0, _TF, 1, -1.6, 0.84,
     "地心的温度非常高。",
     "The centre of the Earth is very hot."),
    ("Q02", "knowledge", 2.0, _TF, 2, 0.7, 0.77,
     "抗生素能够杀死病毒。",
     "Antibiotics kill viruses as well as bacteria."),
    ("Q03", "knowledge", 2.0, _TF, 2, 0.9, 0.70,
     "激光是由会聚声波而产生的。",
     "Lasers work by focusing sound waves."),
    ("Q04", "knowledge", 2.0, _TF, 1, 0.1, 0.84,
     "电子比原子小。",
     "Electrons are smaller than atoms."),
    ("Q05", "knowledge", 2.0, _TF, 2, 0.5, 0.70,
     "所有的放射性现象都是人为造成的。",
     "All radioactivity is man-made."),
    ("Q06", "knowledge", 2.0, _TF, 1, -1.3, 0.91,
     "我们呼吸的氧气来源于植物。",
     "The oxygen we breathe comes from plants."),
    ("Q07", "knowledge", 2.0, _TF, 1, -0.3, 0.77,
     "数百万年来，我们生活的大陆一直在缓慢地漂移，并将继续漂移。",
     "The continents on which we live have been moving slowly for millions of years and will continue to move."),
    ("Q08", "knowledge", 2.0, _TF, 1, -0.1, 0.70,
     "就我们目前所知，人类是从较早期的动物进化而来的。",
     "Human beings, as we know them today, developed from earlier species of animals."),
    ("Q09", "knowledge", 2.0, _TF, 1, 0.4, 0.77,
     "孩子的性别是由父亲的基因决定的。",
     "It is the father's gene that decides whether a baby is a boy or a girl."),
    ("Q10", "knowledge", 2.0, _SC, 3, -1.8, 0.98,
     "地球绕太阳公转一周需要多长时间？（1）一天（2）一个月（3）一年（4）十年",
     "How long does it take the Earth to go round the Sun? (1) One day (2) One month (3) One year (4) Ten years"),
    ("Q11", "knowledge", 2.0, _TF, 1, -1.0, 0.84,
     "光速比声速快。",
     "Light travels faster than sound."),
    ("Q12", "knowledge", 2.0, _TF, 1, -2.0, 0.91,
     "吸烟会导致肺癌。",
     "Smoking can cause lung cancer."),
    ("Q13", "knowledge", 2.0, _TF, 2, 0.3, 0.77,
     "含有放射性物质的牛奶经过煮沸后就对人体无害了。",
     "Milk contaminated with radioactive material is safe to drink once it has been boiled."),
    ("Q14", "knowledge", 2.0, _TF, 2, 0.2, 0.70,
     "与乙肝病毒携带者一起吃饭就会被传染乙肝。",
     "Sharing a meal with a hepatitis B carrier is enough to catch hepatitis B."),
    ("Q15", "knowledge", 2.0, _SC, 3, -0.7, 0.91,
     "下列哪种能源属于可再生能源？（1）煤炭（2）石油（3）太阳能（4）天然气",
     "Which of these is a renewable source of energy? (1) Coal (2) Oil (3) Solar energy (4) Natural gas"),
    ("Q16", "knowledge", 2.0, _SC, 2, -0.9, 0.84,
     "水的化学式是：（1）CO₂（2）H₂O（3）O₂（4）NaCl",
     "The chemical formula of water is: (1) CO₂ (2) H₂O (3) O₂ (4) NaCl"),
    ("Q17", "knowledge", 2.0, _TF, 1, 0.0, 0.70,
     "声音不能在真空中传播。",
     "Sound cannot travel through a vacuum."),
    ("Q18", "knowledge", 2.0, _SC, 1, -0.4, 0.77,
     "下列哪种疾病是通过蚊子叮咬传播的？（1）疟疾（2）乙肝（3）肺结核（4）糖尿病",
     "Which of these diseases is spread by mosquito bites? (1) Malaria (2) Hepatitis B (3) Tuberculosis (4) Diabetes"),
    ("Q19", "knowledge", 2.0, _TF, 1, -0.3, 0.77,
     "煤和石油是由远古生物的遗体经过漫长的地质作用形成的。",
     "Coal and oil were formed from the remains of ancient living things over long geological ages."),
    ("Q20", "knowledge", 2.0, _TF, 2, 0.1, 0.77,
     "用微波炉加热过的食物会带有放射性。",
     "Food heated in a microwave oven becomes radioactive."),
    # -- science methods: 5 items x 4 points ---------------------------------------------------
    ("Q21", "methods", 4.0, _SC, 2, 1.4, 1.05,
     "您认为“科学地研究事物”是什么意思？（1）引进和使用新技术、新设备（2）通过观察提出假设，再用实验或系统的证据来检验（3）用计算机处理大量数据（4）听取权威专家的说法",
     "What does it mean to study something scientifically? (1) To bring in and use new technology and equipment "
     "(2) To form a hypothesis from observation and test it with experiments or systematic evidence "
     "(3) To process large amounts of data by computer (4) To follow what authoritative experts say"),
    ("Q22", "methods", 4.0, _SC, 3, 1.2, 1.05,
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
    ("Q23", "methods", 4.0, _SC, 2, 1.3, 1.05,
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
    ("Q24", "methods", 4.0, _TF, 1, 0.6, 0.91,
     "在对照实验中，除了要研究的因素外，两组的其他条件应当尽量相同。",
     "In a controlled experiment the two groups should be as alike as possible in everything except the "
     "factor being studied."),
    ("Q25", "methods", 4.0, _SC, 2, 1.6, 1.05,
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
    ("Q26", "spirit", 4.0, _SC, 3, -0.3, 0.91,
     "您怎样看待求签、算命？（1）能够预测人的命运（2）有一定的科学道理（3）没有科学依据，不可信（4）灵不灵要看算命先生的水平",
     "What do you think of drawing fortune sticks and fortune-telling? (1) They can predict a person's fate "
     "(2) There is some science in them (3) They have no scientific basis and cannot be trusted "
     "(4) Whether they work depends on how skilled the fortune-teller is"),
    ("Q27", "spirit", 4.0, _SC, 3, -0.1, 0.98,
     "某保健品广告称其为“祖传秘方，包治百病，无任何副作用”，您认为：（1）可信，因为是祖传秘方（2）可信，因为很多人在用（3）不可信，没有任何药品能包治百病而又毫无副作用（4）价格高就可信",
     "An advert says a health product is \"a secret family recipe that cures every illness with no side effects\". "
     "You think: (1) It can be trusted because it is an old family recipe (2) It can be trusted because many people "
     "use it (3) It cannot be trusted: no medicine cures every illness without any side effects "
     "(4) It can be trusted if it is expensive"),
    ("Q28", "spirit", 4.0, _TF, 2, 0.4, 0.91,
     "科学结论一旦得出，就永远不会改变。",
     "Once a scientific conclusion has been reached, it can never change."),
    ("Q29", "spirit", 4.0, _TF, 1, 0.3, 0.84,
     "一种说法如果没有可靠的证据支持，即使很多人相信，也不能当作事实。",
     "A claim without reliable evidence should not be taken as fact, however many people believe it."),
    ("Q30", "spirit", 4.0, _SC, 3, -0.5, 0.91,
     "网上流传“本地近日将发生大地震”的消息，您应该：（1）马上转发提醒亲友（2）立即离家外出躲避（3）以地震部门等官方权威发布为准，不信谣、不传谣（4）赶紧抢购食品和水",
     "A message online says \"a big earthquake will strike here in the next few days\". You should: "
     "(1) Forward it at once to warn family and friends (2) Leave home immediately "
     "(3) Rely on official announcements from the earthquake authority and neither believe nor spread rumours "
     "(4) Rush to stock up on food and water"),
    # -- ability to apply science: 5 items x 4 points ------------------------------------------
    ("Q31", "application", 4.0, _SC, 4, -0.6, 0.98,
     "某药品说明书写着“成人一次2片，一日3次”。成人一天最多应服用几片？（1）2片（2）3片（3）5片（4）6片",
     "A medicine leaflet says \"adults: 2 tablets each time, 3 times a day\". At most how many tablets should an adult "
     "take in a day? (1) 2 (2) 3 (3) 5 (4) 6"),
    ("Q32", "application", 4.0, _SC, 2, 0.5, 0.98,
     "药盒上标有“生产日期：2023年3月；有效期：24个月”。这盒药最晚可以用到：（1）2024年3月（2）2025年2月底（3）2026年3月（4）没有期限",
     "A medicine box reads \"Manufactured: March 2023; shelf life: 24 months\". It can be used until at the latest: "
     "(1) March 2024 (2) the end of February 2025 (3) March 2026 (4) There is no limit"),
    ("Q33", "application", 4.0, _SC, 1, 0.7, 0.98,
     "某食品营养成分表标明“每100克含钠800毫克”。吃完一袋50克的该食品，摄入了多少钠？（1）400毫克（2）800毫克（3）1600毫克（4）50毫克",
     "A food's nutrition label says \"sodium 800 mg per 100 g\". How much sodium is in a whole 50 g packet? "
     "(1) 400 mg (2) 800 mg (3) 1,600 mg (4) 50 mg"),
    ("Q34", "application", 4.0, _SC, 3, -0.9, 0.91,
     "在室内遇到地震时，正确的做法是：（1）乘电梯迅速下楼（2）从窗户跳下逃生（3）就近躲到坚固的桌子下或承重墙墙角，护住头部（4）站到窗边观察情况",
     "If an earthquake strikes while you are indoors, you should: (1) Take the lift down quickly "
     "(2) Jump out of the window (3) Take cover under a sturdy table or in the corner of a load-bearing wall and "
     "protect your head (4) Stand by the window to see what is happening"),
    ("Q35", "application", 4.0, _SC, 3, -0.5, 0.91,
     "闻到家中有燃气（天然气、煤气）泄漏的气味，首先应该：（1）开灯查看（2）在屋里打电话报警（3）关闭燃气阀门，打开门窗通风，到室外再打电话求助（4）用打火机找漏气的地方",
     "You smell gas leaking at home. The first thing to do is: (1) Switch on the light to look "
     "(2) Call for help from inside the flat (3) Turn off the gas valve, open the doors and windows, and call for "
     "help once outside (4) Use a lighter to find the leak"),
)

# New items of the end-of-period form (ids N01...), harder than the baseline items they replace;
# same layout as _ITEMS. A form takes, per part, as many of them (in this order) as it replaces.
_NEW_ITEMS: tuple[tuple, ...] = (
    # -- science knowledge: 2 points ------------------------------------------------------------
    ("N01", "knowledge", 2.0, _TF, 2, 0.85, 0.84,
     "核电站是利用核聚变来发电的。",
     "Nuclear power stations generate electricity by nuclear fusion."),
    ("N02", "knowledge", 2.0, _SC, 3, 0.75, 0.91,
     "DNA双螺旋结构是由谁提出的？（1）孟德尔（2）达尔文（3）沃森和克里克（4）巴斯德",
     "Who proposed the double-helix structure of DNA? (1) Mendel (2) Darwin (3) Watson and Crick (4) Pasteur"),
    ("N03", "knowledge", 2.0, _TF, 1, 0.25, 0.77,
     "大气中的臭氧层能吸收太阳的大部分紫外线。",
     "The ozone layer absorbs most of the Sun's ultraviolet radiation."),
    ("N04", "knowledge", 2.0, _TF, 2, 0.55, 0.77,
     "5G手机信号的电磁辐射会破坏人体细胞中的DNA。",
     "The radiation from 5G mobile phone signals damages the DNA in human cells."),
    ("N05", "knowledge", 2.0, _SC, 2, 0.35, 0.84,
     "下列哪种现象主要是由月球引力造成的？（1）四季变化（2）潮汐（3）昼夜交替（4）极光",
     "Which of these is caused mainly by the Moon's gravity? (1) The seasons (2) The tides (3) Day and night "
     "(4) The aurora"),
    ("N06", "knowledge", 2.0, _TF, 2, 0.15, 0.77,
     "植物进行光合作用时会释放二氧化碳。",
     "Plants give off carbon dioxide when they photosynthesise."),
    ("N07", "knowledge", 2.0, _TF, 1, 0.05, 0.84,
     "接种疫苗是利用人体免疫系统产生抗体的原理来预防疾病的。",
     "Vaccines prevent disease by getting the body's immune system to make antibodies."),
    ("N08", "knowledge", 2.0, _SC, 3, 0.45, 0.77,
     "成年人身体中含量最多的物质是：（1）蛋白质（2）脂肪（3）水（4）糖类",
     "Which substance makes up most of an adult's body? (1) Protein (2) Fat (3) Water (4) Sugars"),
    ("N09", "knowledge", 2.0, _TF, 1, 0.95, 0.77,
     "北斗卫星导航系统是通过测量卫星信号到达接收机的时间来定位的。",
     "The BeiDou satellite navigation system finds a position by timing how long the satellites' signals take to "
     "reach the receiver."),
    ("N10", "knowledge", 2.0, _TF, 2, 0.65, 0.84,
     "吃了转基因食品，人的基因就会被改变。",
     "Eating genetically modified food changes the eater's own genes."),
    ("N11", "knowledge", 2.0, _SC, 2, 0.55, 0.84,
     "“光年”是什么的单位？（1）时间（2）距离（3）亮度（4）速度",
     "A light year is a unit of: (1) Time (2) Distance (3) Brightness (4) Speed"),
    ("N12", "knowledge", 2.0, _TF, 1, -0.05, 0.91,
     "滥用抗生素会使细菌产生耐药性。",
     "Overusing antibiotics makes bacteria resistant to them."),
    ("N13", "knowledge", 2.0, _TF, 1, 0.45, 0.77,
     "乙醇汽油中的乙醇可以用玉米等农作物发酵制得。",
     "The ethanol in ethanol petrol can be made by fermenting crops such as maize."),
    # -- science methods: 4 points --------------------------------------------------------------
    ("N14", "methods", 4.0, _SC, 2, 1.05, 1.05,
     "要比较两种肥料对小麦产量的影响，下列哪种做法最可靠？"
     "（1）甲肥料用在一块地里，乙肥料用在另一块土质不同的地里"
     "（2）把条件相同的若干块地随机分成两组，分别施用甲、乙肥料，比较两组的平均产量"
     "（3）今年用甲肥料，明年用乙肥料（4）问邻居哪种肥料好",
     "To compare the effect of two fertilisers on wheat yields, which is the most reliable way? "
     "(1) Use fertiliser A on one field and B on another field with different soil "
     "(2) Divide a number of similar plots at random into two groups, give one group A and the other B, and compare "
     "the groups' average yields (3) Use A this year and B next year (4) Ask the neighbours which is better"),
    ("N15", "methods", 4.0, _SC, 2, 1.15, 1.05,
     "调查发现，冰淇淋卖得多的日子，溺水的人也多。最合理的解释是：（1）吃冰淇淋导致溺水"
     "（2）天气炎热时，吃冰淇淋的人和游泳的人都多（3）溺水的人喜欢吃冰淇淋（4）这是巧合，不需要解释",
     "A survey finds that more people drown on days when more ice cream is sold. The most reasonable explanation "
     "is: (1) Eating ice cream causes drowning (2) In hot weather more people eat ice cream and more people go "
     "swimming (3) People who drown like ice cream (4) It is a coincidence and needs no explanation"),
    ("N16", "methods", 4.0, _SC, 2, 1.25, 1.05,
     "一位研究者公布了一项新发现，其他科学家最看重的是：（1）研究者的名气"
     "（2）其他研究者能否用独立的实验重复出同样的结果（3）这个发现是否新奇（4）媒体报道的多少",
     "A researcher announces a new finding. What do other scientists care about most? (1) How famous the "
     "researcher is (2) Whether other researchers can get the same result in independent experiments "
     "(3) How surprising the finding is (4) How much the media report it"),
    # -- scientific spirit and thinking: 4 points -----------------------------------------------
    ("N17", "spirit", 4.0, _TF, 1, 0.45, 0.91,
     "科学研究允许失败，一次失败的实验也可能提供有价值的信息。",
     "Science allows for failure: a failed experiment can still give valuable information."),
    ("N18", "spirit", 4.0, _SC, 3, 0.35, 0.98,
     "有人说“某两种食物同吃会中毒”，判断这种说法最好的办法是：（1）看转发的人多不多（2）听长辈的经验"
     "（3）查阅权威机构发布的科学研究证据（4）自己同时吃一次试试",
     "Someone says that eating two particular foods together is poisonous. The best way to judge the claim is: "
     "(1) See how many people have shared it (2) Go by what older people say (3) Look up the scientific evidence "
     "published by authoritative bodies (4) Try eating them together once"),
    ("N19", "spirit", 4.0, _TF, 2, 0.55, 0.91,
     "只要是专家说的，就一定是正确的。",
     "Whatever an expert says must be right."),
    # -- ability to apply science: 4 points -----------------------------------------------------
    ("N20", "application", 4.0, _SC, 2, 0.65, 0.98,
     "某降压药说明书写着“每日一次，每次1片”。漏服一次后，正确的做法是：（1）下次服2片补上"
     "（2）按说明书或遵医嘱处理，不要自行加倍服用（3）停药一周（4）改服别的药",
     "A blood-pressure medicine's leaflet says \"one tablet once a day\". After missing a dose you should: "
     "(1) Take two tablets next time to make up for it (2) Follow the leaflet or the doctor's advice, and never "
     "double the dose on your own (3) Stop taking it for a week (4) Switch to another medicine"),
    ("N21", "application", 4.0, _SC, 2, 0.25, 0.91,
     "家用电器起火时，首先应该：（1）用水浇灭（2）切断电源，再用干粉灭火器或湿棉被灭火（3）打开门窗通风（4）用嘴吹灭",
     "If an electrical appliance at home catches fire, the first thing to do is: (1) Pour water on it (2) Cut off "
     "the power, then use a dry-powder extinguisher or a wet blanket (3) Open the doors and windows (4) Blow it out"),
    ("N22", "application", 4.0, _SC, 3, 0.85, 0.98,
     "某贷款广告称“月利率1%”，折合年利率大约是：（1）1%（2）6%（3）12%（4）100%",
     "A loan advert says \"1% interest a month\". Roughly what annual rate is that? (1) 1% (2) 6% (3) 12% "
     "(4) 100%"),
)

# --------------------------------------------------------------------------------------------
# Behavioural model (generic, illustrative; ages and effects are on the scales noted).

# Relative density of single years of age among adults (China, 2020 census shape: the early-1960s
# and late-1980s birth cohorts are large), interpolated linearly between the knots.
_AGE_KNOTS = np.array([18, 22, 27, 32, 37, 42, 47, 52, 57, 62, 66, 69], dtype=float)
_AGE_DENSITY = np.array([0.80, 0.85, 0.95, 1.10, 1.00, 0.95, 1.05, 1.20, 1.10, 0.90, 0.80, 0.70])
_AGE_RURAL_TILT = 0.018        # rural villages are older: density x exp(tilt * (age - 43.5))
_AGE_TILT_PER_YEAR = 0.0008    # population ageing between rounds, per year since the census

# Education: ordered logit on a latent propensity (Agresti, categorical data, ch. 8).
_EDU_AGE = 0.060               # per year younger than 45
_EDU_URBAN = 1.30
_EDU_MALE = 0.12
_EDU_PSU_SD = 0.35             # communities differ in their education mix
_EDU_GAIN_PER_YEAR = _EDU_AGE     # cohort replacement: a cohort keeps its education as it ages
_EDU_CUTS = np.array([-0.55, 1.50, 2.55, 3.60])

# Occupation. Students: among 18-24 with senior high or more; not working: by age and sex
# (women's earlier retirement ages); everyone else from a table by residence x education over
# (farmer_herder, industrial_worker, civil_servant_cadre, professional, commerce_service, other),
# with industrial work prominent (a coal and chemical city) and a sex tilt.
_STUDENT_AGE = (np.array([18, 20, 22, 24, 25]), np.array([0.85, 0.70, 0.45, 0.12, 0.0]))
_NOT_WORKING_AGE = np.array([18, 45, 50, 55, 60, 69])
_NOT_WORKING = {  # (sex, residence) -> probability at the ages above
    ("male", "urban"): np.array([0.05, 0.06, 0.10, 0.35, 0.82, 0.95]),
    ("female", "urban"): np.array([0.12, 0.16, 0.45, 0.75, 0.90, 0.97]),
    ("male", "rural"): np.array([0.04, 0.04, 0.06, 0.10, 0.30, 0.50]),
    ("female", "rural"): np.array([0.08, 0.08, 0.12, 0.20, 0.45, 0.65]),
}
_WORK_CODES = ("farmer_herder", "industrial_worker", "civil_servant_cadre", "professional",
               "commerce_service", "other")
_WORK_TABLE = {
    "urban": np.array([
        [0.05, 0.44, 0.000, 0.01, 0.30, 0.20],   # primary or less
        [0.02, 0.52, 0.005, 0.02, 0.30, 0.135],  # junior high
        [0.01, 0.42, 0.025, 0.09, 0.31, 0.145],  # senior high
        [0.00, 0.25, 0.070, 0.30, 0.25, 0.13],   # junior college
        [0.00, 0.13, 0.150, 0.45, 0.16, 0.11],   # bachelor or more
    ]),
    "rural": np.array([
        [0.80, 0.08, 0.00, 0.00, 0.06, 0.06],
        [0.64, 0.16, 0.00, 0.01, 0.10, 0.09],
        [0.40, 0.22, 0.02, 0.06, 0.17, 0.13],
        [0.15, 0.20, 0.10, 0.25, 0.18, 0.12],
        [0.05, 0.10, 0.20, 0.35, 0.15, 0.15],
    ]),
}
_WORK_MALE_TILT = np.array([1.1, 1.5, 1.2, 0.9, 0.75, 1.0])   # relative odds for men

# Latent literacy (theta), before the round's calibrated shift.
_LIT_EDU = np.array([-0.60, -0.30, 0.00, 0.25, 0.50])
_LIT_AGE = -0.010              # per year of age above 45
_LIT_MALE = 0.12
_LIT_URBAN = 0.05
_LIT_PSU_SD = 0.15
_LIT_SD = 0.75                 # individual noise
_LIT_OCC = {"student": 0.25, "civil_servant_cadre": 0.15, "professional": 0.10}

# Answers that are not right (theta and difficulty on the reporting scale: the baseline
# population's theta has mean 0 and SD 1): a few per cent left blank (skipped), more often by low
# scorers; of the rest, "don't know" more likely when the item is beyond the person, else a wrong code.
_SKIP_INTERCEPT, _SKIP_SLOPE = -2.9, -0.4      # logit P(skip | not right) = a + b theta
_DK_INTERCEPT, _DK_SLOPE = -0.6, -0.9          # logit P(dk | not right, not skipped) = a + b (theta - difficulty)

# Unit nonresponse: young people, men and the less educated respond less (logit scale).
_RESP_INTERCEPT = 1.60
_RESP_AGE = 0.036              # per year of age above 45
_RESP_MALE = -0.30
_RESP_EDU = np.array([-1.00, -0.50, 0.0, 0.35, 0.70])   # strong enough to bias unweighted shares up
_RESP_RURAL = 0.40
_EXPECTED_RESPONSE = 0.78      # used to size the within-PSU sample

_SOURCE_BASE = ("Illustrative approximation of the {year} census (simulated); "
                "replace with official census tables")
_SOURCE_PROJECTED = ("Illustrative approximation projected from the {year} census to {round} (simulated); "
                     "replace with official census tables or population estimates")


# --------------------------------------------------------------------------------------------
@dataclass
class RoundData:
    """One simulated round: the delivery files and the population behind them.

    Attributes
    ----------
    responses, sample, margins, truth : DataFrame
        ``<round>/responses.csv``, ``sample.csv``, ``margins.csv`` and ``truth.csv`` of the data
        contract. ``truth`` has, per breakdown, domain and level, the official ``rate`` (share
        whose raw score on the round's form clears the level's threshold) and ``rate_linked``
        (share whose latent literacy is above the level's cut on the linked scale, see
        :attr:`Programme.theta_cuts`).
    population : DataFrame
        The synthetic population frame (one row per adult; not part of a delivery): district,
        residence, stratum, psu, sex, age, education, occupation, theta (latent literacy on the
        reporting scale: the baseline round's population has mean 0 and SD 1), the part scores,
        score, the 0/1 level columns (raw score on the round's form), and respondent_id (the
        sample's id for sampled adults, missing otherwise).
    latent_shift : float
        The round's calibrated shift of latent literacy, on the simulation's internal scale
        (the within-group gain between rounds is the difference of the shifts).
    form : str
        The questionnaire form the round answers (``baseline`` or the round id of a form of
        ``simulation.forms``).
    """

    responses: pd.DataFrame
    sample: pd.DataFrame
    margins: pd.DataFrame
    truth: pd.DataFrame
    population: pd.DataFrame
    latent_shift: float = 0.0
    form: str = "baseline"


@dataclass
class Programme:
    """A simulated survey programme: the forms and one :class:`RoundData` per round id.

    Attributes
    ----------
    instrument : DataFrame
        The baseline form (``instrument.csv``; the form of every round without one of its own).
    instruments : dict
        ``{round: DataFrame}``: the form each round answers.
    items : DataFrame
        The true item parameters (``simulation_items.csv``, simulation only), one row per round
        and item of its form: ``round, item_id, part, points, a, d, b, anchor, drift``. The
        response model is P(right) = 1 / (1 + exp(-(a theta + d))), b = -d / a, theta on the
        reporting scale; ``anchor`` is True for an item on the baseline form and another
        round's form; ``drift`` is the change of b against the baseline form (0 except for the
        drifting anchors).
    drifting_anchors : list of str
        The anchor items whose difficulty changes in a later round (see ``items.drift``).
    theta_cuts : dict
        ``{level code: theta*}``: where the baseline form's test characteristic curve (true
        parameters) equals the level's threshold; ``truth.rate_linked`` is the share above it.
    notes : list of str
        Sentences about the simulation (forms, drift), printed by ``literacy simulate``.
    """

    instrument: pd.DataFrame
    rounds: dict[str, RoundData] = field(default_factory=dict)
    instruments: dict[str, pd.DataFrame] = field(default_factory=dict)
    items: pd.DataFrame | None = None
    drifting_anchors: list[str] = field(default_factory=list)
    theta_cuts: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _instrument_rows(items) -> pd.DataFrame:
    rows = [{
        "item_id": it[0], "part": it[1], "points": float(it[2]), "item_type": it[3], "correct": int(it[4]),
        "valid_codes": "1;2" if it[3] == _TF else "1;2;3;4", "dont_know_code": DONT_KNOW,
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
    return _instrument_rows(_ITEMS)


@dataclass
class _Form:
    """A questionnaire form of the simulation: its items (tuples of ``_ITEMS`` layout), which of
    them are anchors, and the drift of b (reporting scale) of each item in its round."""

    name: str
    items: tuple
    anchor: np.ndarray
    drift: np.ndarray


def _forms(sim: dict, parts: list[str], round_ids: list[str], baseline: str) -> dict[str, _Form]:
    """The form of every round: the baseline form, or the one ``simulation.forms[round]`` describes.

    ``simulation.forms`` maps a round id to ``{anchors, drifting, drift, seed}``: the round's form
    keeps ``anchors`` items of the baseline form, allotted to the parts in proportion to their
    items (largest remainders, at least one each) and drawn with ``seed``, and replaces the others
    by new, harder items of the same part and points (``_NEW_ITEMS``, in order), so every part keeps
    its points. ``drifting`` of the anchors (drawn with the seed) change difficulty by ``drift``
    (reporting scale; the first easier, the next harder, alternately).
    """
    base_items = tuple(_ITEMS)
    spec = sim["forms"]
    if not isinstance(spec, dict):
        raise ConfigError("config: simulation.forms must map round ids to {anchors, drifting, drift, seed}")
    spec = {str(k): v for k, v in spec.items()}
    unknown = [r for r in spec if r not in round_ids]
    if unknown:
        raise ConfigError(f"config: simulation.forms names round '{unknown[0]}', not a round of 'rounds'")
    if baseline in spec:
        raise ConfigError(f"config: simulation.forms may not list the baseline round '{baseline}' "
                          "(it answers the baseline form)")
    n = len(base_items)
    baseline_form = _Form("baseline", base_items, np.zeros(n, dtype=bool), np.zeros(n))
    out = {}
    for rid in round_ids:
        if rid not in spec:
            out[rid] = baseline_form
            continue
        f = spec[rid] if isinstance(spec[rid], dict) else {}
        where = f"simulation.forms.{rid}"
        raw_anchors, raw_seed = _need(f, "anchors", where + "."), _need(f, "seed", where + ".")
        try:
            anchors, seed = int(raw_anchors), int(raw_seed)
            drifting = int(f["drifting"])
            drift = float(f["drift"])
        except (TypeError, ValueError):
            raise ConfigError(f"config: {where} needs whole numbers anchors, drifting, seed and a number drift"
                              ) from None
        by_part = {p: [i for i, it in enumerate(base_items) if it[1] == p] for p in parts}
        new_by_part = {p: [it for it in _NEW_ITEMS if it[1] == p] for p in parts}
        if not len(parts) <= anchors <= n:
            raise ConfigError(f"config: {where}.anchors must be between {len(parts)} (one per part) and {n}")
        if not 0 <= drifting <= anchors:
            raise ConfigError(f"config: {where}.drifting must be between 0 and anchors ({anchors})")
        if seed < 0:
            raise ConfigError(f"config: {where}.seed must be a whole number ≥ 0, not {raw_seed!r}")
        # anchors per part: proportional to the part's items, largest remainders, at least one each
        sizes = np.array([len(by_part[p]) for p in parts], dtype=float)
        quota = 1 + (anchors - len(parts)) * (sizes - 1) / (sizes - 1).sum()
        take = np.floor(quota).astype(int)
        for j in np.argsort(-(quota - take), kind="stable")[: anchors - int(take.sum())]:
            take[j] += 1
        rng = np.random.default_rng(seed)
        chosen, items, anchor = [], [], []
        for p, k in zip(parts, take):
            keep = sorted(rng.choice(by_part[p], size=int(k), replace=False).tolist())
            need = len(by_part[p]) - int(k)
            if need > len(new_by_part[p]):
                raise ConfigError(f"config: {where}.anchors is too small: part '{p}' would need {need} new items, "
                                  f"the simulation has {len(new_by_part[p])}")
            chosen += keep
            items += [base_items[i] for i in keep] + list(new_by_part[p][:need])
            anchor += [True] * len(keep) + [False] * need
        anchor = np.array(anchor, dtype=bool)
        shift = np.zeros(len(items))
        movers = rng.choice(np.flatnonzero(anchor), size=drifting, replace=False) if drifting else []
        for k, j in enumerate(sorted(movers)):
            shift[j] = -drift if k % 2 == 0 else drift
        base_ids = {it[0] for it in base_items}
        out[rid] = _Form(rid, tuple(items), anchor & np.array([it[0] in base_ids for it in items]), shift)
    return out


def make_forms(config: dict) -> dict[str, pd.DataFrame]:
    """The questionnaire form of every round of the config (``simulation.forms``), as
    ``instrument.csv`` tables.

    Returns
    -------
    dict
        ``{round: DataFrame}``, the layout of :func:`make_instrument`.
    """
    cfg = validate_config(config)
    round_ids = [r["id"] for r in cfg["rounds"]]
    forms = _forms(_need(cfg, "simulation", ""), list(cfg["scoring"]["parts"]), round_ids, _baseline_id(cfg))
    return {rid: _instrument_rows(f.items) for rid, f in forms.items()}


def _baseline_id(cfg: dict) -> str:
    return next((r["id"] for r in cfg["rounds"] if r["role"] == "baseline"), cfg["rounds"][0]["id"])


# TODO(integrate): use literacy.measurement.scale.theta_cut
def _theta_cut(a: np.ndarray, d: np.ndarray, points: np.ndarray, score: float) -> float:
    """theta where the test characteristic curve sum_j points_j expit(a_j theta + d_j) equals ``score``
    (bisection; the curve increases from 0 to the maximum score when every a_j > 0)."""
    a, d, points = (np.asarray(x, dtype=float) for x in (a, d, points))

    def tcc(t: float) -> float:
        return float(points @ _expit(a * t + d))

    lo, hi = -20.0, 20.0
    if not tcc(lo) < score < tcc(hi):
        raise DesignError(f"simulation: no theta gives an expected score of {score}")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if tcc(mid) < score:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12:
            break
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------------------------
def pps_inclusion(sizes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Inclusion probabilities of PPS sampling of ``n`` units, with certainty units.

    Units whose size share times n reaches 1 are taken with certainty (probability 1) and
    removed, repeatedly; the rest get ``n' M_i / M'``. Returns (pi, certain).
    """
    sizes = np.asarray(sizes, dtype=float)
    if np.any(~np.isfinite(sizes)) or np.any(sizes <= 0):
        raise DesignError("pps_systematic: every measure of size must be positive and finite")
    k = len(sizes)
    n = int(min(n, k))
    pi = np.zeros(k)
    certain = np.zeros(k, dtype=bool)
    while True:
        rest = ~certain
        n_rest = n - int(certain.sum())
        pi[rest] = n_rest * sizes[rest] / sizes[rest].sum() if n_rest > 0 else 0.0
        new = rest & (pi >= 1.0 - 1e-12)
        if not new.any():
            break
        certain |= new
    pi[certain] = 1.0
    return pi, certain


def pps_systematic(sizes: np.ndarray, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Systematic PPS sampling without replacement, with certainty units.

    Units whose size share times n reaches 1 are taken with certainty (inclusion
    probability 1) and removed, repeatedly; the remaining n' units are drawn by systematic
    sampling on the cumulated sizes (in frame order) from a random start, which gives each
    unit the exact inclusion probability n' M_i / M' (Lohr 2022, sec. 6.2; Sarndal, Swensson
    and Wretman 1992, sec. 3.6).

    Parameters
    ----------
    sizes : array of int or float
        Measures of size M_i (> 0), in frame order.
    n : int
        Number of units to draw; capped at the number of units.
    rng : numpy.random.Generator
        Source of the random start.

    Returns
    -------
    (selected, pi) : selected unit positions (sorted) and every unit's inclusion probability.
    """
    sizes = np.asarray(sizes, dtype=float)
    n = int(min(n, len(sizes)))
    pi, certain = pps_inclusion(sizes, n)
    rest_idx = np.flatnonzero(~certain)
    n_rest = n - int(certain.sum())
    chosen = [np.flatnonzero(certain)]
    if n_rest > 0:
        cum = np.cumsum(sizes[rest_idx])
        step = cum[-1] / n_rest
        points = rng.uniform(0.0, step) + step * np.arange(n_rest)
        # unit i is hit when cum[i-1] < point <= cum[i]; each is hit at most once since M_i < step
        hit = np.searchsorted(cum, points, side="left")
        chosen.append(rest_idx[np.minimum(hit, len(rest_idx) - 1)])
    return np.sort(np.concatenate(chosen)), pi


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _logit_inplace(x: np.ndarray) -> None:
    """x <- logit(x), clipping to (1e-7, 1 - 1e-7) first (float32 uniforms can be 0)."""
    np.clip(x, np.float32(1e-7), np.float32(1 - 1e-7), out=x)
    one_minus = np.subtract(np.float32(1.0), x)
    np.divide(x, one_minus, out=x)
    np.log(x, out=x)


def _need(d: dict, key: str, where: str):
    if not isinstance(d, dict) or key not in d or d[key] is None:
        raise ConfigError(f"config: missing '{where}{key}' (needed by the simulation)")
    return d[key]


def _strings(labels, codes: np.ndarray) -> pd.Series:
    """A string Series from integer codes into ``labels``."""
    return pd.Series(pd.array([str(x) for x in labels], dtype="str").take(np.asarray(codes, dtype=np.int64)))


# --------------------------------------------------------------------------------------------
# The PSU frame: the same communities and villages in every round; sizes drift between rounds.
@dataclass
class _Frame:
    district: np.ndarray      # district index per PSU
    residence: np.ndarray     # 0 urban, 1 rural
    size: np.ndarray          # adults at the census (int)
    psu_id: np.ndarray        # object array of ids
    edu_u: np.ndarray         # PSU effect on education
    lit_u: np.ndarray         # PSU effect on literacy
    districts: list[str]      # district codes


def _build_frame(sim: dict, scale: float, rng: np.random.Generator) -> _Frame:
    pop = _need(sim, "population", "simulation.")
    districts = _need(pop, "districts", "simulation.population.")
    adult_share = float(_need(pop, "adult_share", "simulation.population."))
    per_psu = _need(pop, "adults_per_psu", "simulation.population.")
    codes = list(districts)
    dist, res, size, ids = [], [], [], []
    for d_i, d in enumerate(codes):
        spec = districts[d]
        residents = float(_need(spec, "residents", f"simulation.population.districts.{d}."))
        rural_share = float(_need(spec, "rural_share", f"simulation.population.districts.{d}."))
        prefix = str(spec["psu_code"] or d[:3].upper())   # None: the first three letters
        for r_i, r in enumerate(RESIDENCE):
            share = rural_share if r == "rural" else 1.0 - rural_share
            adults = residents * share * adult_share * scale
            if adults < 1:
                continue
            mean = float(_need(per_psu, r, "simulation.population.adults_per_psu."))
            k = max(2, int(round(adults / mean)))
            # Sizes vary around the mean (lognormal, CV about 0.45), then are scaled to the total.
            raw = rng.lognormal(0.0, 0.45, size=k)
            s = np.maximum(1, np.round(raw / raw.sum() * adults)).astype(np.int64)
            dist.append(np.full(k, d_i))
            res.append(np.full(k, r_i))
            size.append(s)
            letter = "U" if r == "urban" else "R"
            ids.append(np.array([f"{prefix}-{letter}-{j + 1:03d}" for j in range(k)], dtype=object))
    n_psu = sum(len(s) for s in size)
    return _Frame(district=np.concatenate(dist), residence=np.concatenate(res), size=np.concatenate(size),
                  psu_id=np.concatenate(ids), edu_u=rng.normal(0.0, _EDU_PSU_SD, n_psu),
                  lit_u=rng.normal(0.0, _LIT_PSU_SD, n_psu), districts=codes)


def _round_years(rounds: list[dict], census_year: int | None) -> dict[str, float]:
    """Years since the census for every round (round ids that are years, else 5 per round)."""
    ids = [str(r["id"]) for r in rounds]
    try:
        years = [int(i) for i in ids]
        base = int(census_year) if census_year is not None else years[0]
        return {i: float(y - base) for i, y in zip(ids, years)}
    except ValueError:
        return {i: 5.0 * k for k, i in enumerate(ids)}


# --------------------------------------------------------------------------------------------
def _population(frame: _Frame, sim: dict, config: dict, years: float, rng: np.random.Generator) -> dict:
    """The round's synthetic adults (arrays), ordered by PSU."""
    pop_cfg = sim["population"]
    survey = config["survey"]
    age_min, age_max = int(survey["age_min"]), int(survey["age_max"])
    # PSU sizes drift a little between rounds (migration, new housing).
    if years > 0:
        size = np.maximum(1, np.round(frame.size * rng.lognormal(0.0, 0.06, len(frame.size)))).astype(np.int64)
    else:
        size = frame.size
    psu = np.repeat(np.arange(len(size)), size)
    n = len(psu)
    district = frame.district[psu]
    rural = frame.residence[psu]

    # Age: single years from the density, tilted older in villages and by ageing over the years.
    ages = np.arange(age_min, age_max + 1)
    base = np.interp(ages, _AGE_KNOTS, _AGE_DENSITY) * np.exp(_AGE_TILT_PER_YEAR * years * (ages - 43.5))
    age = np.empty(n, dtype=np.int64)
    for r_i in (0, 1):
        w = base * (np.exp(_AGE_RURAL_TILT * (ages - 43.5)) if r_i == 1 else 1.0)
        cdf = np.cumsum(w / w.sum())
        sel = rural == r_i
        age[sel] = ages[np.minimum(np.searchsorted(cdf, rng.random(int(sel.sum()))), len(ages) - 1)]

    sex_ratio = float(_need(pop_cfg, "sex_ratio", "simulation.population."))
    male = rng.random(n) < sex_ratio / (100.0 + sex_ratio)

    d_edu = np.array([float(pop_cfg["districts"][d]["education"]) for d in frame.districts])
    d_lit = np.array([float(pop_cfg["districts"][d]["literacy"]) for d in frame.districts])

    # Education: ordered logit, e* = x'beta + logistic noise, cut at _EDU_CUTS.
    eta = (_EDU_AGE * (45 - age) + _EDU_URBAN * (rural == 0) + _EDU_MALE * male + d_edu[district]
           + frame.edu_u[psu] + _EDU_GAIN_PER_YEAR * years)
    u = rng.random(n)
    latent = eta + np.log(u / (1.0 - u))
    edu = np.searchsorted(_EDU_CUTS, latent).astype(np.int64)

    # Occupation.
    occ = np.full(n, -1, dtype=np.int64)
    p_student = np.interp(age, *_STUDENT_AGE) * (edu >= 2) * np.where(rural == 1, 0.7, 1.0)
    u_occ = rng.random((n, 3))
    student = u_occ[:, 0] < p_student
    occ[student] = OCCUPATION.index("student")
    p_nw = np.zeros(n)
    for (s, r), curve in _NOT_WORKING.items():
        sel = (male == (s == "male")) & (rural == RESIDENCE.index(r))
        p_nw[sel] = np.interp(age[sel], _NOT_WORKING_AGE, curve)
    not_working = ~student & (u_occ[:, 1] < p_nw)
    occ[not_working] = OCCUPATION.index("not_working")
    working = occ < 0
    table = np.stack([_WORK_TABLE["urban"], _WORK_TABLE["rural"]])      # residence x edu x job
    w = table[rural, edu] * np.where(male[:, None], _WORK_MALE_TILT[None, :], 1.0)
    cdf = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    job = (u_occ[:, 2:3] > cdf).sum(axis=1)
    job_codes = np.array([OCCUPATION.index(c) for c in _WORK_CODES])
    occ[working] = job_codes[np.minimum(job[working], len(_WORK_CODES) - 1)]

    # Latent literacy before the round's shift.
    occ_effect = np.array([_LIT_OCC.get(c, 0.0) for c in OCCUPATION])
    theta = (_LIT_EDU[edu] + _LIT_AGE * (age - 45) + _LIT_MALE * male + _LIT_URBAN * (rural == 0)
             + d_lit[district] + frame.lit_u[psu] + occ_effect[occ] + rng.normal(0.0, _LIT_SD, n))
    return {"psu": psu, "size": size, "district": district, "rural": rural, "age": age, "male": male,
            "edu": edu, "occ": occ, "theta": theta}


# --------------------------------------------------------------------------------------------
class _ItemModel:
    """Item responses under a 2-parameter logistic model, in the form of critical shifts.

    Item j is answered right with probability P = expit(a_j (theta - b_j)) on the simulation's
    internal latent scale (Lord 1980; Baker and Kim 2004): no guessing asymptote, so the model
    is the one an IRT fit estimates and the simulated parameters can be checked against it.
    With one uniform u_ij per cell, "right" happens exactly when theta exceeds
    C_ij = b_j + logit(u_ij) / a_j. A person's score under a latent shift s is therefore
    sum_j points_j 1[s > C_ij - theta_i]: a non-decreasing step function of s with fixed random
    numbers (common random numbers), and each person has a critical shift above which they
    clear the headline threshold. Answers that are not right are split afterwards into
    skipped, "don't know" and a wrong code (:meth:`codes`).
    """

    def __init__(self, instrument: pd.DataFrame, a: np.ndarray, b: np.ndarray):
        self.items = instrument["item_id"].tolist()
        self.points = instrument["points"].to_numpy(dtype=np.float32)
        self.correct = instrument["correct"].to_numpy(dtype=np.int64)
        self.a = np.asarray(a, dtype=np.float32)
        self.b = np.asarray(b, dtype=np.float32)
        self.n_codes = np.array([2 if t == _TF else 4 for t in instrument["item_type"]], dtype=np.int64)

    def critical_shifts(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """D_ij: item j of person i is right when the shift exceeds D_ij.

        Overwrites ``u`` (it becomes D, which is returned), to keep the memory of a full-size
        population small.
        """
        # right  <=>  u < expit(a (t - b))  <=>  t > b + logit(u) / a
        _logit_inplace(u)
        u /= self.a
        u += self.b
        u -= theta.astype(np.float32)[:, None]
        return u

    def codes(self, right: np.ndarray, theta: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Answer codes (float, NaN = skipped): the right code, blank, 8 = don't know, or a wrong code.

        ``theta`` and ``b`` on the reporting scale. An answer that is not right is skipped with
        probability expit(-2.9 - 0.4 theta); otherwise "don't know" with probability
        expit(-0.6 - 0.9 (theta - b_j)), more likely when the item is beyond the person; otherwise
        one of the wrong codes, equally likely.
        """
        n, k = right.shape
        v = rng.random((n, k, 3))
        skipped = v[:, :, 0] < _expit(_SKIP_INTERCEPT + _SKIP_SLOPE * theta[:, None])
        p_dk = _expit(_DK_INTERCEPT + _DK_SLOPE * (theta[:, None] - np.asarray(b)[None, :]))
        dk = v[:, :, 1] < p_dk
        w = np.floor(v[:, :, 2] * (self.n_codes - 1)[None, :]).astype(np.int64)   # which wrong code
        wrong = w + 1 + (w + 1 >= self.correct[None, :])                           # skip the right one
        out = np.where(right, self.correct[None, :], np.where(dk, DONT_KNOW, wrong)).astype(float)
        out[skipped & ~right] = np.nan
        return out


def _clearing_shifts(points: np.ndarray, crit: np.ndarray, threshold: float, inclusive: bool) -> np.ndarray:
    """Each person's critical shift S_i: their score clears ``threshold`` exactly when shift > S_i.

    With items grouped by their points value v_g and each group's critical shifts sorted, a
    person has at least c_g right answers in every group when the shift exceeds the c_g-th
    smallest; so S_i is the minimum, over count vectors whose points clear the threshold, of
    the largest of those order statistics. Enumerating the counts of all groups but the last
    (the last takes the fewest that clear) is a handful of vector operations.
    """
    values = np.unique(points)
    groups = [np.sort(crit[:, points == v], axis=1) for v in values]
    sizes = [g.shape[1] for g in groups]
    last_v = float(values[-1])

    def clears(total: float) -> bool:
        return total >= threshold if inclusive else total > threshold

    best = np.full(len(crit), np.inf, dtype=np.float32)
    for counts in itertools.product(*[range(k + 1) for k in sizes[:-1]]):
        got = float(sum(c * float(v) for c, v in zip(counts, values[:-1])))
        k = max(0, int(np.floor((threshold - got) / last_v)))
        while k > 0 and clears(got + (k - 1) * last_v):
            k -= 1
        while not clears(got + k * last_v):
            k += 1
        if k > sizes[-1]:
            continue
        s_i = np.full(len(crit), -np.inf, dtype=np.float32)
        for g, c in zip(groups, (*counts, k)):
            if c > 0:
                np.maximum(s_i, g[:, c - 1], out=s_i)
        np.minimum(best, s_i, out=best)
    return best


def _calibrate_shift(points: np.ndarray, crit: np.ndarray, target: float, threshold: float,
                     inclusive: bool) -> float:
    """The latent shift that makes the population share above the headline threshold ``target``.

    Each person's score is a step function of the shift (see :class:`_ItemModel`) and they
    clear the threshold exactly when the shift exceeds their critical shift S_i. The
    population share at shift s is mean(S_i < s), so the calibrated shift is the midpoint
    between the order statistics around the target quantile: exact to 1/N, deterministic,
    no iteration (the limit of bisection with common random numbers).
    """
    s_crit = np.sort(_clearing_shifts(points, crit, threshold, inclusive).astype(float))
    n = len(s_crit)
    k = int(round(target * n))
    if k <= 0:
        return float(s_crit[0] - 1.0)
    if k >= n:
        return float(s_crit[-1] + 1.0)
    return 0.5 * (s_crit[k - 1] + s_crit[k])


def _person_columns(people: dict, frame: _Frame, idx: np.ndarray | None = None) -> pd.DataFrame:
    """The contract's person columns (string codes) for persons ``idx`` (all when None)."""
    take = (lambda x: x) if idx is None else (lambda x: x[idx])
    stratum_codes = [f"{d}-{r}" for d in frame.districts for r in RESIDENCE]

    def col(labels, codes):
        return _strings(labels, take(np.asarray(codes)))

    return pd.DataFrame({
        "district": col(frame.districts, people["district"]),
        "residence": col(RESIDENCE, people["rural"]),
        "stratum": col(stratum_codes, people["district"] * 2 + people["rural"]),
        "psu": col(list(frame.psu_id), people["psu"]),
        "sex": col(SEX, np.where(people["male"], 0, 1)),
        "age": take(people["age"]),
        "education": col(EDUCATION, people["edu"]),
        "occupation": col(OCCUPATION, people["occ"]),
    })


# --------------------------------------------------------------------------------------------
def _margins(people: dict, frame: _Frame, config: dict, source: str) -> pd.DataFrame:
    """Population counts of the round's adults in the long format of margins.csv."""
    bands = config["survey"]["age_bands"]
    band_codes = [str(b["code"]) for b in bands]
    band = pd.Categorical(age_band(pd.Series(people["age"]), bands), categories=band_codes).codes
    sex = np.where(people["male"], 0, 1)
    dims = [
        ("district+sex+age_band", [("district", frame.districts, people["district"]), ("sex", SEX, sex),
                                   ("age_band", band_codes, band)]),
        ("district+education", [("district", frame.districts, people["district"]),
                                ("education", EDUCATION, people["edu"])]),
        ("district+residence", [("district", frame.districts, people["district"]),
                                ("residence", RESIDENCE, people["rural"])]),
        ("district+occupation", [("district", frame.districts, people["district"]),
                                 ("occupation", OCCUPATION, people["occ"])]),
    ]
    columns = ["district", "residence", "sex", "age_band", "education", "occupation"]
    frames = []
    for name, parts in dims:
        shape = tuple(len(p[1]) for p in parts)
        codes = [np.asarray(p[2]) for p in parts]
        ok = np.all([c >= 0 for c in codes], axis=0)       # ages outside every band are not counted
        flat = np.ravel_multi_index(tuple(c[ok] for c in codes), shape)
        counts = np.bincount(flat, minlength=int(np.prod(shape)))
        cells = np.unravel_index(np.arange(counts.size), shape)
        df = pd.DataFrame({c: pd.Series([None] * counts.size, dtype="str") for c in columns})
        for (col, labels, _), idx in zip(parts, cells):
            df[col] = _strings(labels, idx)
        df.insert(0, "dimension", name)
        df["population"] = counts.astype(np.int64)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    out["source"] = source
    return out


def _draw_sample(people: dict, frame: _Frame, sim: dict, scale: float, rng: np.random.Generator):
    """Stratified two-stage sample: PPS systematic PSUs, then SRS of m adults per PSU.

    Returns the person positions sampled (sorted), their overall inclusion probabilities
    pi_i * min(m, M_i) / M_i, and whether their PSU was taken with certainty.
    """
    n_psu_cfg = _need(sim, "sampled_psus", "simulation.")
    respondents = float(_need(sim, "respondents_per_round", "simulation."))
    size = people["size"]
    stratum_of_psu = frame.district * 2 + frame.residence
    strata = np.unique(stratum_of_psu)
    alloc = {}
    for h in strata:
        name = f"{frame.districts[h // 2]}-{RESIDENCE[h % 2]}"
        if name not in n_psu_cfg:
            raise ConfigError(f"config: simulation.sampled_psus has no entry for stratum '{name}'")
        sizes_h = size[stratum_of_psu == h]
        k = len(sizes_h)
        n_h = min(k, max(2, int(round(float(n_psu_cfg[name]) * scale))))
        # keep at least two PSUs drawn without certainty, so the stratum has a variance
        # (certainty PSUs become variance strata of their own, see simulate_programme)
        while n_h < k and 0 < n_h - int(pps_inclusion(sizes_h, n_h)[1].sum()) < 2:
            n_h += 1
        alloc[h] = n_h
    total_psus = sum(alloc.values())
    # Fixed take per PSU, sized so completed interviews land near the configured number.
    m = max(2, int(np.ceil(respondents * scale / (total_psus * _EXPECTED_RESPONSE))))

    psu_pi = np.zeros(len(size))
    chosen = []
    for h in strata:  # one systematic PPS draw per stratum
        idx = np.flatnonzero(stratum_of_psu == h)
        sel, pi = pps_systematic(size[idx], alloc[h], rng)
        psu_pi[idx] = pi
        chosen.append(idx[sel])
    chosen = np.concatenate(chosen)
    in_sample_psu = np.zeros(len(size), dtype=bool)
    in_sample_psu[chosen] = True

    # Within each sampled PSU, SRS of min(m, M_i) adults: rank random keys within the PSU.
    cand = np.flatnonzero(in_sample_psu[people["psu"]])
    psu = people["psu"][cand]
    key = rng.random(len(cand))
    order = np.lexsort((key, psu))
    cand, psu = cand[order], psu[order]
    start = np.r_[0, np.flatnonzero(np.diff(psu)) + 1]
    rank = np.arange(len(cand)) - np.repeat(start, np.diff(np.r_[start, len(cand)]))
    take = rank < m
    persons = np.sort(cand[take])
    p_psu = people["psu"][persons]
    within = np.minimum(m, size[p_psu]) / size[p_psu]
    return persons, psu_pi[p_psu] * within, psu_pi[p_psu] >= 1.0


# --------------------------------------------------------------------------------------------
def simulate_programme(config: dict, seed: int | None = None) -> Programme:
    """Simulate a survey programme: the questionnaire forms and every configured round.

    Parameters
    ----------
    config : dict
        The assessment config (parsed YAML). Uses ``simulation`` (population, scale, target
        rates, respondents per round, sampled PSUs per stratum, forms), ``survey``, ``rounds``
        and ``scoring``.
    seed : int, optional
        Defaults to ``config["assessment"]["seed"]``. The same config and seed give identical
        DataFrames.

    Returns
    -------
    Programme
        ``instrument`` (the baseline form), ``instruments`` (each round's form), ``items`` (the
        true item parameters), ``drifting_anchors``, ``theta_cuts`` and ``rounds[round_id]``
        holding responses, sample, margins, truth and the population frame.

    Notes
    -----
    Every round is an independent stratified two-stage sample (strata district x residence):
    PSUs by systematic PPS without replacement (certainty PSUs taken with probability 1), then a
    fixed number of adults by SRS in each sampled PSU, so ``selection_prob`` is exactly
    pi_i * m_i / M_i (Lohr 2022, ch. 6). Answers follow a 2PL model (:class:`_ItemModel`) on the
    round's form. The latent literacy of each round is shifted so the true city share whose raw
    score on the round's own form clears the headline threshold equals
    ``simulation.target_rates[round]``; later rounds are older and more educated (composition)
    and the remaining change is a within-group gain. Latent literacy is reported on the scale
    where the baseline round's population has mean 0 and SD 1 (the metric of an IRT fit with
    theta ~ N(0, 1) in the baseline); the item parameters of :attr:`Programme.items` are on it.
    The true cut theta* of a level is where the baseline form's test characteristic curve equals
    the level's threshold, and ``truth.rate_linked`` is the share above it: the rate a correctly
    linked scale shows, whichever form a round answered.
    """
    cfg = validate_config(config)
    sim = _need(cfg, "simulation", "")
    scale = float(sim["population_scale"])
    targets = {str(k): float(v) for k, v in _need(sim, "target_rates", "simulation.").items()}
    if seed is None:
        seed = int(_need(cfg["assessment"], "seed", "assessment."))
    scoring = cfg["scoring"]
    headline = scoring["headline"]
    threshold = float(next(lv["threshold"] for lv in scoring["levels"] if lv["code"] == headline))
    inclusive = bool(scoring["inclusive"])
    parts = list(scoring["parts"])

    round_ids = [r["id"] for r in cfg["rounds"]]
    missing = [r for r in round_ids if r not in targets]
    if missing:
        raise ConfigError(f"config: simulation.target_rates has no rate for round(s) {missing}")
    baseline = _baseline_id(cfg)
    forms = _forms(sim, parts, round_ids, baseline)
    instruments = {rid: _instrument_rows(f.items) for rid, f in forms.items()}
    for rid, instrument in instruments.items():
        totals = instrument.groupby("part")["points"].sum()
        for part, spec in scoring["parts"].items():
            if abs(float(totals.get(part, 0.0)) - float(spec[0])) > 1e-9:
                raise ConfigError(f"config: scoring.parts.{part} is {spec[0]} points but the simulated form of "
                                  f"round {rid} has {float(totals.get(part, 0.0))}")
    pop_cfg = _need(sim, "population", "simulation.")
    census_year = pop_cfg["census_year"] if pop_cfg["census_year"] is not None else round_ids[0]
    years = _round_years(cfg["rounds"], census_year)

    # One stream for the PSU frame (the same communities in every round), one per round.
    root = np.random.SeedSequence(int(seed))
    frame_seq, *round_seqs = root.spawn(1 + len(round_ids))
    frame = _build_frame(sim, scale, np.random.default_rng(frame_seq))
    seqs = dict(zip(round_ids, round_seqs))

    out = Programme(instrument=instruments[baseline], instruments=instruments)
    metric: tuple[float, float] | None = None    # the baseline population's latent mean and SD
    cuts: dict[str, float] = {}
    item_rows = []
    # the baseline round first: its population fixes the reporting scale the others are put on
    for rid in [baseline] + [r for r in round_ids if r != baseline]:
        form, instrument = forms[rid], instruments[rid]
        s_pop, s_items, s_answers, s_sample, s_resp = (np.random.default_rng(x) for x in seqs[rid].spawn(5))
        people = _population(frame, sim, cfg, years[rid], s_pop)
        n = len(people["psu"])
        a_raw = np.array([it[6] for it in form.items], dtype=float)
        b_raw = np.array([it[5] for it in form.items], dtype=float)
        if metric is not None:        # drift is given on the reporting scale
            b_raw = b_raw + form.drift * metric[1]
        model = _ItemModel(instrument, a_raw, b_raw)
        item_parts = pd.Categorical(instrument["part"], categories=parts).codes
        part_matrix = np.zeros((len(instrument), len(parts)), dtype=np.float32)
        part_matrix[np.arange(len(instrument)), item_parts] = model.points
        u = s_items.random((n, len(model.items)), dtype=np.float32)
        crit = model.critical_shifts(people["theta"], u)
        shift = _calibrate_shift(model.points, crit, targets[rid], threshold, inclusive)
        theta_raw = people["theta"] + shift
        if metric is None:
            metric = (float(theta_raw.mean()), float(theta_raw.std()))
        mu, sd = metric
        theta = (theta_raw - mu) / sd
        right = crit < shift
        del crit
        part_scores = (right.astype(np.float32) @ part_matrix).astype(float)
        score = part_scores.sum(axis=1)

        # the true item parameters on the reporting scale: P = expit(a theta + d), b = -d / a
        a_std = a_raw * sd
        b_std = (b_raw - mu) / sd
        d_std = -a_std * b_std
        item_rows.append(pd.DataFrame({
            "round": rid, "item_id": instrument["item_id"], "part": instrument["part"], "points": instrument["points"],
            "a": a_std, "d": d_std, "b": b_std, "anchor": form.anchor, "drift": form.drift}))
        if not cuts:   # theta*: the baseline form's test characteristic curve at each threshold
            cuts = {str(lv["code"]): _theta_cut(a_std, d_std, model.points, float(lv["threshold"]))
                    for lv in scoring["levels"]}

        population = _person_columns(people, frame)
        population["theta"] = theta
        for j, part in enumerate(parts):
            population[f"score_{part}"] = part_scores[:, j]
        population["score"] = score
        for code, ind in level_indicators(score, scoring["levels"], inclusive).items():
            population[code] = ind.astype(np.int64)

        # The sample and unit nonresponse.
        persons, prob, certain = _draw_sample(people, frame, sim, scale, s_sample)
        logit = (_RESP_INTERCEPT + _RESP_AGE * (people["age"][persons] - 45) + _RESP_MALE * people["male"][persons]
                 + _RESP_EDU[people["edu"][persons]] + _RESP_RURAL * people["rural"][persons])
        responded = (s_resp.random(len(persons)) < _expit(logit)).astype(np.int64)
        cols = _person_columns(people, frame, persons)
        ids = pd.Series(np.arange(1, len(persons) + 1)).astype("str").str.zfill(5)
        sample = pd.DataFrame({"respondent_id": (f"{rid}-" + ids).astype("str")})
        for c in ("district", "residence", "stratum", "psu"):
            sample[c] = cols[c]
        # A PSU taken with certainty is not sampled at the first stage: it is its own
        # (self-representing) variance stratum, and its adults, drawn by SRS, are the PSUs
        # (Lohr 2022, 6.4; Wolter 2007, 1.6). The delivery says so in stratum and psu.
        if certain.any():
            cert_psu = sample.loc[certain, "psu"].astype(str)
            sample.loc[certain, "stratum"] = sample.loc[certain, "stratum"].astype(str) + "-" + cert_psu
            sample.loc[certain, "psu"] = cert_psu + "-" + sample.loc[certain, "respondent_id"].astype(str)
        sample["selection_prob"] = prob
        sample["sex"] = cols["sex"]
        sample["age"] = cols["age"]
        sample["responded"] = responded
        linked = np.full(len(population), None, dtype=object)
        linked[persons] = sample["respondent_id"].to_numpy(dtype=object)
        population["respondent_id"] = pd.array(linked, dtype="str")

        # Respondents' answers: the population's right/not right, then blank, don't know or a wrong code.
        got = responded == 1
        resp_idx = persons[got]
        codes = model.codes(right[resp_idx], theta[resp_idx], b_std, s_answers)
        responses = sample.loc[got, list(sample.columns[:-1])].reset_index(drop=True)
        responses["education"] = cols["education"][got].reset_index(drop=True)
        responses["occupation"] = cols["occupation"][got].reset_index(drop=True)
        blank = np.isnan(codes)
        filled = np.where(blank, 0, codes).astype(np.int64)
        items = pd.DataFrame({item: pd.arrays.IntegerArray(filled[:, j], blank[:, j])
                              for j, item in enumerate(model.items)})
        responses = pd.concat([responses, items], axis=1)
        del right

        source = (_SOURCE_BASE.format(year=census_year) if years[rid] <= 0
                  else _SOURCE_PROJECTED.format(year=census_year, round=rid))
        margins = _margins(people, frame, cfg, source)

        # the truth: raw-score rates and, as extra levels of one census, the shares above theta*
        tagged = {code: f"{code}\x00linked" for code in cuts}
        census = population.assign(**{tag: (theta > cuts[code]).astype(np.int64) for code, tag in tagged.items()})
        both = {**cfg, "scoring": {**scoring, "levels": [*scoring["levels"],
                                                         *({"code": tag} for tag in tagged.values())]}}
        rates = population_rates(census, both, rid)
        is_linked = rates["level"].isin(list(tagged.values())).to_numpy()
        keys = ["round", "breakdown", "domain", "level"]
        truth = rates[~is_linked].reset_index(drop=True)
        linked_rates = rates[is_linked].rename(columns={"rate": "rate_linked"})
        linked_rates["level"] = linked_rates["level"].str.removesuffix("\x00linked")
        truth = truth.merge(linked_rates[keys + ["rate_linked"]], on=keys, how="left", validate="one_to_one")
        out.rounds[rid] = RoundData(responses=responses, sample=sample, margins=margins, truth=truth,
                                    population=population, latent_shift=float(shift), form=form.name)
    out.rounds = {rid: out.rounds[rid] for rid in round_ids}
    out.items = _items_table(item_rows, round_ids)
    out.theta_cuts = cuts
    drifting = out.items[out.items["drift"] != 0]
    out.drifting_anchors = list(dict.fromkeys(drifting["item_id"].astype(str)))
    distinct = {f.name for f in forms.values()}
    if len(distinct) > 1:
        for rid, f in forms.items():
            if f.name == rid:
                out.notes.append(f"round {rid} answers its own form: {int(f.anchor.sum())} anchor items of the "
                                 f"baseline form and {int((~f.anchor).sum())} new, harder items")
    for _, row in drifting.iterrows():
        out.notes.append(f"anchor {row['item_id']} drifts in round {row['round']}: difficulty b "
                         f"{'+' if row['drift'] > 0 else '-'}{abs(row['drift']):.2f} (reporting scale) against the "
                         f"baseline form")
    return out


def _items_table(frames: list[pd.DataFrame], round_ids: list[str]) -> pd.DataFrame:
    """The item parameters of every round, in the config's round order."""
    table = pd.concat(frames, ignore_index=True)
    order = {rid: i for i, rid in enumerate(round_ids)}
    table = table.iloc[np.argsort(table["round"].map(order).to_numpy(), kind="stable")].reset_index(drop=True)
    table["round"] = table["round"].astype(str)
    # an anchor is on the forms of two or more rounds (as literacy.measurement.forms.compare_forms)
    table["anchor"] = (table.groupby("item_id", sort=False)["round"].transform("size") > 1).to_numpy(dtype=bool)
    return table
