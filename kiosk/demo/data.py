"""The demo store's fixed tables: people, customers, car models, parts, jobs.

Kept apart from the seeding code so the README can list the staff badges and
PINs from one place (``DEMO_STAFF``).
"""
from __future__ import annotations

DEMO_STORE_NAME = "上汽大众 浦江4S店"

# name, badge, roles, PIN: one person (at least) for every role in kiosk.roles.ROLES.
DEMO_STAFF = (
    ("王芳", "ADV-001", ("advisor",), "1111"),
    ("刘洋", "ADV-002", ("advisor",), "1112"),
    ("张伟", "TEC-001", ("technician",), "2221"),
    ("李军", "TEC-002", ("technician",), "2222"),
    ("陈磊", "TEC-003", ("technician",), "2223"),
    ("赵建国", "FOR-001", ("foreman",), "3331"),
    ("孙丽", "QC-001", ("qc",), "4441"),
    ("周明", "PRT-001", ("parts_clerk",), "5551"),
    ("吴刚", "PRT-002", ("parts_manager",), "5552"),
    ("郑敏", "CSH-001", ("cashier",), "6661"),
    ("冯静", "CRE-001", ("care",), "7771"),
    ("何涛", "CLM-001", ("claims",), "7772"),
    ("马志强", "MGR-001", ("manager",), "8881"),
    ("林晓东", "ADM-001", ("admin",), "9991"),
)

CUSTOMER_NAMES = (
    "张建华", "李秀英", "王志刚", "刘德明", "陈晓燕", "杨帆", "黄丽华", "赵磊", "吴海峰", "周婷",
    "徐国强", "孙梦瑶", "马俊杰", "朱海燕", "胡文博", "郭静", "何家豪", "高雅琴", "林志远", "罗美玲",
)
CUSTOMER_NOTES = {0: "VIP 客户, 每次保养送洗车", 5: "偏好上午来店", 12: "公司车队 (上海恒远物流)"}
PHONE_PREFIXES = ("138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "188", "177", "199")

# model, world manufacturer id (first three VIN characters), new-energy plate?
MODELS = (
    ("大众 帕萨特", "LSV", False),
    ("大众 朗逸", "LSV", False),
    ("大众 途观L", "LSV", False),
    ("大众 途昂", "LSV", False),
    ("大众 凌渡L", "LSV", False),
    ("大众 ID.4 X", "LSV", True),
    ("斯柯达 明锐", "LSV", False),
    ("丰田 凯美瑞", "LVG", False),
    ("本田 雅阁", "LHG", False),
    ("别克 君越", "LSG", False),
)
PLATE_AREAS = ("沪A", "沪B", "沪C", "沪D", "沪E", "沪F", "沪G", "沪H", "沪J", "沪K", "京A", "苏E", "浙A")
COLORS = ("白色", "黑色", "银色", "灰色", "蓝色", "红色")

# part_no, name, name_en, price, bin
PARTS = (
    ("06L115562B", "机油滤清器", "Oil filter", "68.00", "A-01-01"),
    ("5QD129620B", "空气滤清器", "Air filter", "125.00", "A-01-02"),
    ("5QD819644", "空调滤清器", "Cabin air filter", "98.00", "A-01-03"),
    ("G052195M4", "机油 5W-30 (4L)", "Engine oil 5W-30, 4 L", "398.00", "B-02-01"),
    ("N91084501", "放油螺丝", "Oil drain plug", "12.00", "A-01-04"),
    ("101905601F", "火花塞", "Spark plug", "85.00", "A-02-01"),
    ("5QD698151", "前刹车片", "Front brake pads", "560.00", "C-01-01"),
    ("5QD698451", "后刹车片", "Rear brake pads", "420.00", "C-01-02"),
    ("5QD615301", "前刹车盘", "Front brake disc", "480.00", "C-02-01"),
    ("B000750M3", "刹车油 DOT4 (1L)", "Brake fluid DOT4, 1 L", "88.00", "B-02-02"),
    ("G013A8JM1", "防冻液 G13 (1.5L)", "Coolant G13, 1.5 L", "135.00", "B-02-03"),
    ("000915105DG", "蓄电池 60Ah", "Battery 60 Ah", "980.00", "D-01-01"),
    ("5QD955427", "雨刮片 (一套)", "Wiper blades, set", "198.00", "A-03-01"),
    ("04E109119F", "正时皮带", "Timing belt", "420.00", "C-03-01"),
    ("5Q0413031", "前减震器", "Front shock absorber", "890.00", "E-01-01"),
    ("5QD407151", "前下摆臂", "Front control arm", "650.00", "E-01-02"),
    ("5QD121251", "散热器", "Radiator", "1580.00", "E-02-01"),
    ("5QD807221", "前保险杠皮", "Front bumper cover", "1350.00", "F-01-01"),
    ("5QD941005", "左前大灯总成", "Left headlight", "2680.00", "F-02-01"),
    ("5QD857507", "左外后视镜", "Left door mirror", "1180.00", "F-02-02"),
)

# operation, description, sold hours, price, pay type, [(part_no, qty)]
JOBS = {
    "maint": ("MAINT-10K", "1万公里常规保养", "0.8", "240", "customer",
              [("06L115562B", 1), ("G052195M4", 1), ("N91084501", 1)]),
    "brakes": ("BRAKE-F", "更换前刹车片", "1.0", "300", "customer", [("5QD698151", 1)]),
    "diag": ("DIAG-ENG", "发动机故障灯亮, 检查诊断", "1.0", "200", "customer", []),
    "ac": ("AC-CHK", "空调不制冷检查, 更换空调滤芯", "0.6", "180", "customer", [("5QD819644", 1)]),
    "align": ("ALIGN", "四轮定位", "0.8", "280", "customer", []),
    "battery": ("BATT", "更换蓄电池", "0.3", "90", "customer", [("000915105DG", 1)]),
    "spark": ("SPARK", "更换火花塞", "1.0", "260", "customer", [("101905601F", 4)]),
    "bumper": ("BODY-BMP", "前保险杠钣喷", "6.0", "1800", "insurance", [("5QD807221", 1)]),
    "shocks": ("SUSP-F", "更换前减震器 (左右)", "2.0", "560", "warranty", [("5Q0413031", 2)]),
    "wipers": ("WIPER", "更换雨刮片", "0.2", "0", "customer", [("5QD955427", 1)]),
    "coolant": ("COOL", "更换防冻液", "0.8", "200", "customer", [("G013A8JM1", 2)]),
    "recall": ("RECALL-ECU", "召回活动: 发动机控制单元软件升级", "0.5", "150", "warranty", []),
}

# Walk-in work orders: the status each has reached, its complaint, its jobs, what the walk-around found.
WORK_ORDERS = (
    ("checked_in", "保养到期, 顺便检查空调", ["maint", "ac"], {"fuel_eighths": 5, "belongings": "行车记录仪"}),
    ("diagnosis", "发动机故障灯亮, 加速无力", ["diag"], {"fuel_eighths": 2, "warning_lights": ["engine"]}),
    ("estimate", "刹车时有异响", ["brakes", "align"], {"fuel_eighths": 6}),
    ("authorized", "更换蓄电池, 早上打不着火", ["battery", "recall"], {"fuel_eighths": 3,
                                                                 "warning_lights": ["battery"]}),
    ("in_repair", "前保险杠刮擦 (保险理赔)", ["bumper"],
     {"fuel_eighths": 4, "damage": [{"x": 50, "y": 8, "kind": "scratch", "note": "前保险杠刮擦"}]}),
    ("waiting_parts", "过减速带时前悬挂异响", ["shocks", "align"], {"fuel_eighths": 7}),
    ("qc", "2万公里保养, 更换火花塞", ["maint", "spark"], {"fuel_eighths": 4, "belongings": "雨伞, 儿童座椅"}),
    ("ready", "更换防冻液和雨刮片", ["coolant", "wipers"], {"fuel_eighths": 8}),
)

# What the technicians wrote on the jobs of the orders in these states, in job order
# (the QC inspector checks the fix against them).
FINDINGS = {
    "qc": ("机油偏黑, 已更换机油和机滤, 保养灯已复位。", "4 支火花塞电极烧蚀, 已全部更换, 试车怠速平稳。"),
    "in_repair": ("前保险杠左侧刮擦至底漆, 需打磨补漆。",),
}

# The way each status is reached from checked_in ("sign" is the customer's signature).
PATHS = {
    "checked_in": [],
    "diagnosis": ["diagnosis"],
    "estimate": ["diagnosis", "estimate"],
    "authorized": ["diagnosis", "estimate", "sign"],
    "in_repair": ["diagnosis", "estimate", "sign", "in_repair"],
    "waiting_parts": ["diagnosis", "estimate", "sign", "in_repair", "waiting_parts"],
    "qc": ["diagnosis", "estimate", "sign", "in_repair", "qc"],
    "ready": ["diagnosis", "estimate", "sign", "in_repair", "qc", "washing", "ready"],
}

APPOINTMENT_SLOTS = ("08:30", "09:30", "10:30", "11:00", "13:30", "14:30", "15:30", "16:30")
APPOINTMENT_SERVICES = (
    "首次保养 (5000公里)", "1万公里常规保养", "更换刹车片", "空调不制冷检查", "四轮定位",
    "更换轮胎", "仪表盘故障灯亮", "召回活动: 软件升级", "钣喷: 右后门凹陷", "2万公里保养",
)

# The labour catalogue (工时目录): code, name, English name, standard hours, and the rate (¥ an
# hour) for the customer, warranty, insurance and internal work. The codes of JOBS are in it.
LABOUR = (
    ("BY-JY", "保养机油机滤更换", "Oil and oil filter change", "0.5", "300", "200", "300", "150"),
    ("BY-KL", "更换空气滤芯", "Air filter change", "0.3", "300", "200", "300", "150"),
    ("BY-KT", "更换空调滤芯", "Cabin filter change", "0.3", "300", "200", "300", "150"),
    ("BY-JC", "常规保养检查", "Routine service inspection", "0.5", "300", "200", "300", "150"),
    ("MAINT-10K", "1万公里常规保养", "10,000 km service", "0.8", "300", "200", "300", "150"),
    ("BRAKE-F", "更换前刹车片", "Front brake pads", "1.0", "300", "200", "300", "150"),
    ("BRAKE-R", "更换后刹车片", "Rear brake pads", "1.0", "300", "200", "300", "150"),
    ("ZD-YOU", "更换刹车油", "Brake fluid change", "0.8", "300", "200", "300", "150"),
    ("DIAG-ENG", "发动机故障诊断", "Engine diagnosis", "1.0", "200", "200", "200", "100"),
    ("AC-CHK", "空调检查", "Air conditioning check", "0.6", "300", "200", "300", "150"),
    ("ALIGN", "四轮定位", "Wheel alignment", "0.8", "350", "250", "350", "150"),
    ("LT-HW", "轮胎换位", "Tyre rotation", "0.5", "300", "200", "300", "150"),
    ("BATT", "更换蓄电池", "Battery replacement", "0.3", "300", "200", "300", "150"),
    ("SPARK", "更换火花塞", "Spark plugs", "1.0", "260", "200", "260", "130"),
    ("BODY-BMP", "前保险杠钣喷", "Front bumper body and paint", "6.0", "300", "200", "300", "150"),
    ("SUSP-F", "更换前减震器", "Front shock absorbers", "2.0", "300", "280", "300", "150"),
    ("WIPER", "更换雨刮片", "Wiper blades", "0.2", "100", "100", "100", "50"),
    ("COOL", "更换防冻液", "Coolant change", "0.8", "250", "200", "250", "120"),
    ("RECALL-ECU", "召回活动: 发动机控制单元软件升级", "Recall: engine control unit software", "0.5", "300", "300", "300", "150"),
    ("XC", "洗车", "Car wash", "0.3", "100", "100", "100", "50"),
)

# Service packages (保养套餐) for two models: code, name, model, interval (km), pricing, price, lines.
PACKAGES = (
    ("LAVIDA-10K", "朗逸 1万公里保养", "大众 朗逸", 10000, "sum", "0",
     "BY-JY\nBY-JC\n06L115562B × 1\nG052195M4 × 1\nN91084501 × 1"),
    ("LAVIDA-20K", "朗逸 2万公里保养 (套餐价)", "大众 朗逸", 20000, "fixed", "988",
     "BY-JY\nBY-KL\nBY-KT\n06L115562B × 1\nG052195M4 × 1\nN91084501 × 1\n5QD129620B × 1\n5QD819644 × 1"),
    ("PASSAT-10K", "帕萨特 1万公里保养 (套餐价)", "大众 帕萨特", 10000, "fixed", "798",
     "BY-JY\nBY-JC\nLT-HW\n06L115562B × 1\nG052195M4 × 1\nN91084501 × 1"),
    ("PASSAT-30K", "帕萨特 3万公里保养", "大众 帕萨特", 30000, "sum", "0",
     "BY-JY\nBY-KL\nSPARK\nZD-YOU\n06L115562B × 1\nG052195M4 × 1\n101905601F × 4\nB000750M3 × 1\n5QD129620B × 1"),
)

# Recalls and campaigns the maker announced (recorded for the VINs of some demo cars).
CAMPAIGNS = (
    ("RECALL-ECU", "发动机控制单元软件升级 (召回)", "recall"),
    ("CAMP-AC24", "空调系统免费检测 (服务活动)", "campaign"),
)

# The claims desk (kiosk.demo.claims): the manufacturer's codes; the warranty claims' visits
# (days since the visit, the claim's state or None before it is built, the approved
# amount, the rejection code, where the old part is, whether the bay took a photo).
CLAIM_CODES = (
    ("symptom", "S101", "行驶中底盘异响"), ("symptom", "S205", "发动机故障灯亮"), ("symptom", "S310", "空调不制冷"),
    ("diagnosis", "D4101", "前减震器漏油"), ("diagnosis", "D2204", "节气门体积碳"),
    ("diagnosis", "D3302", "空调压缩机内漏"),
    ("reason", "R01", "照片缺失或不清晰"), ("reason", "R05", "工时超出标准"), ("reason", "R09", "超过索赔时效"),
    ("reason", "R12", "旧件未按时返回"),
)
CLAIM_CARS = (
    (3, None, None, "", "", False),
    (6, "draft", None, "", "tagged", False),
    (10, "submitted", None, "", "store", True),
    (18, "rejected", None, "R01", "store", True),
    (35, "partly_approved", "1900", "", "ship", True),
    (62, "credited", None, "", "ship", True),
)
# The insurance demo: the bumper repair in the workshop (assessment, then a supplement) and a
# delivered rear-end repair billed directly to its insurer.
INSURANCE_DEMO = {
    "case": {"insurer": "中国平安财产保险", "policy_no": "PDAA202631010000457812", "report_no": "RDAA2026310000123456",
             "liability": "full", "assessor": "赵定损", "excess": "0", "depreciation": "0", "direct_billing": "1"},
    "assessment": [
        {"kind": "replace", "description": "前保险杠皮", "store_amount": "1350", "assessed_amount": "1200"},
        {"kind": "paint", "description": "前保险杠喷漆", "store_amount": "1200", "assessed_amount": "1000"},
        {"kind": "labour", "description": "前保险杠拆装", "store_amount": "600", "assessed_amount": "600"},
    ],
    "supplement": [
        {"kind": "replace", "description": "左前大灯总成", "store_amount": "2680", "assessed_amount": "2680"},
        {"kind": "material", "description": "大灯支架卡扣", "store_amount": "120", "assessed_amount": "80"},
    ],
    "delivered_case": {"insurer": "中国人民财产保险", "policy_no": "PICC2026310000998877",
                       "report_no": "RDDH2026310000765432", "liability": "none", "assessor": "钱定损",
                       "excess": "0", "depreciation": "150", "direct_billing": "1"},
    "delivered_assessment": [
        {"kind": "repair", "description": "后保险杠修复", "store_amount": "900", "assessed_amount": "800"},
        {"kind": "paint", "description": "后保险杠及后备箱盖喷漆", "store_amount": "1600", "assessed_amount": "1500"},
    ],
}
# The 三包 car: (days ago, days in the shop or None while it is still there), the same fault each time.
SANBAO_VISITS = ((120, 5), (60, 9), (2, None))
