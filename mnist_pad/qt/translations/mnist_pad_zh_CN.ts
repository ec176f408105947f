<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>About</name>
    <message>
        <source>not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <source>{0} ({1:.2%} on {2} test)</source>
        <translation>{0}（{2} 测试集准确率 {1:.2%}）</translation>
    </message>
    <message>
        <source>Draw digits, watch a convolutional network read them, and teach it your handwriting.</source>
        <translation>手写数字，看卷积神经网络如何识别它们，并让它学会你的笔迹。</translation>
    </message>
    <message>
        <source>Model in use</source>
        <translation>当前模型</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Licences</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>The MNIST database of handwritten digits: Yann LeCun, Corinna Cortes and Christopher J. C. Burges, made from NIST&apos;s Special Databases 1 and 3; used under CC BY-SA 3.0. Fashion-MNIST: Zalando Research, MIT licence. The shipped models were trained on MNIST.</source>
        <translation>MNIST 手写数字数据库：Yann LeCun、Corinna Cortes 和 Christopher J. C. Burges，由 NIST 的 Special Database 1 和 3 制作而成；依据 CC BY-SA 3.0 使用。Fashion-MNIST：Zalando Research，MIT 许可证。随附的模型均在 MNIST 上训练。</translation>
    </message>
    <message>
        <source>Pad</source>
        <translation>画板</translation>
    </message>
    <message>
        <source>Draw a digit with the mouse or a pen. The answer, the ten probabilities, the 28x28 image the network receives, where the evidence is (Grad-CAM), the feature maps and the filters follow every stroke. A digit key keeps the drawing as a sample for fine-tuning.</source>
        <translation>用鼠标或手写笔写一个数字。识别结果、十个类别的概率、网络接收的 28x28 图像、证据所在的位置（Grad-CAM）、特征图和卷积核都会随每一笔更新。按数字键可将绘图保存为用于微调的样本。</translation>
    </message>
    <message>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Draw and label samples of your handwriting, then fine-tune the model on them (MNIST is mixed in so that it keeps what it knew), or train a model from scratch. Pick, rename or delete models at the top right.</source>
        <translation>书写并标注你的手写样本，然后用它们微调模型（会混入 MNIST，使模型保留原有的知识），或从头训练一个模型。可在右上角选择、重命名或删除模型。</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Measure a model on MNIST, Fashion-MNIST or your samples: accuracy, a confusion matrix whose cells open their images, the most confident mistakes, a comparison of two models, and the training images nearest to your drawing.</source>
        <translation>在 MNIST、Fashion-MNIST 或你的样本上评测模型：准确率、可点击单元格查看对应图像的混淆矩阵、置信度最高的错误、两个模型的对比，以及与你的绘图最相近的训练图像。</translation>
    </message>
    <message>
        <source>How to use mnist-pad</source>
        <translation>mnist-pad 使用说明</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>The data folder (for fine-tuning and evaluation) is chosen in the Train tab with Browse...; without one, mnist-pad offers to download MNIST.</source>
        <translation>数据文件夹（用于微调和评估）在“训练”标签页中通过“浏览...”选择；若未选择，mnist-pad 会提示下载 MNIST。</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>Something went wrong: {0}

The window still works; the details were printed to the terminal, for a bug report.</source>
        <translation>出错了：{0}

窗口仍可正常使用；详细信息已输出到终端，可用于提交错误报告。</translation>
    </message>
    <message>
        <source>The model used last time could not be loaded ({0}); the shipped model is in use.</source>
        <translation>无法加载上次使用的模型（{0}）；已改用随附的模型。</translation>
    </message>
    <message>
        <source>No GPU here ({0}): the pad runs on the CPU.</source>
        <translation>这里没有 GPU（{0}）：画板在 CPU 上运行。</translation>
    </message>
    <message>
        <source>Cannot start on that device: {0}.</source>
        <translation>无法在该设备上启动：{0}。</translation>
    </message>
    <message>
        <source>The shipped weights are missing or damaged: reinstall mnist-pad, or pass --weights FILE.</source>
        <translation>随附的权重文件缺失或已损坏：请重新安装 mnist-pad，或用 --weights FILE 指定权重文件。</translation>
    </message>
    <message>
        <source>Cannot load the model:
{0}</source>
        <translation>无法加载模型：
{0}</translation>
    </message>
    <message>
        <source>Cannot show this model in the window:
{0}</source>
        <translation>无法在窗口中显示这个模型：
{0}</translation>
    </message>
</context>
<context>
    <name>ArchEditor</name>
    <message>
        <source>conv</source>
        <translation>卷积</translation>
    </message>
    <message>
        <source>activation</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>pooling 2x2</source>
        <translation>池化 2x2</translation>
    </message>
    <message>
        <source>batchnorm</source>
        <translation>批归一化</translation>
    </message>
    <message>
        <source>dropout</source>
        <translation>随机失活</translation>
    </message>
    <message>
        <source>flatten</source>
        <translation>展平</translation>
    </message>
    <message>
        <source>global avg pooling</source>
        <translation>全局平均池化</translation>
    </message>
    <message>
        <source>dense</source>
        <translation>全连接</translation>
    </message>
    <message>
        <source>relu</source>
        <translation>ReLU</translation>
    </message>
    <message>
        <source>tanh</source>
        <translation>双曲正切</translation>
    </message>
    <message>
        <source>sigmoid</source>
        <translation>S 型</translation>
    </message>
    <message>
        <source>max</source>
        <translation>最大</translation>
    </message>
    <message>
        <source>average</source>
        <translation>平均</translation>
    </message>
    <message>
        <source>Start from a net of the registry: the seed articles&apos; and ours. Choosing one again undoes your changes.</source>
        <translation>从登记的网络开始：种子文章的网络和我们的网络。再次选择同一个会撤销你的修改。</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add a layer after the selected one; a conv or dense layer comes with its activation, at the end of the selected block</source>
        <translation>在选中的层之后添加一层；卷积层或全连接层连同其激活一起添加，放在选中的块的末尾</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Move the selected layer up</source>
        <translation>将选中的层上移</translation>
    </message>
    <message>
        <source>Move the selected layer down</source>
        <translation>将选中的层下移</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>The nets the core builds: conv blocks (conv, [batchnorm], activation, [pooling], [batchnorm]), then a flatten or a global average pooling, then dense blocks (dense, [batchnorm], activation, [batchnorm], [dropout]). One activation, pooling kind and dropout rate for the whole net; the output layer is last.</source>
        <translation>核心能构建的网络：卷积块（卷积、[批归一化]、激活、[池化]、[批归一化]），然后是展平或全局平均池化，然后是全连接块（全连接、[批归一化]、激活、[批归一化]、[随机失活]）。整个网络只有一种激活、一种池化和一个失活率；输出层在最后。</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>images</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>output</source>
        <translation>输出</translation>
    </message>
    <message>
        <source>dense {0}</source>
        <translation>全连接 {0}</translation>
    </message>
    <message>
        <source> ch</source>
        <translation> 通道</translation>
    </message>
    <message>
        <source>output channels (filters)</source>
        <translation>输出通道数（滤波器个数）</translation>
    </message>
    <message>
        <source>k </source>
        <translation>核 </translation>
    </message>
    <message>
        <source>kernel size, pixels</source>
        <translation>卷积核大小（像素）</translation>
    </message>
    <message>
        <source>s </source>
        <translation>步 </translation>
    </message>
    <message>
        <source>stride, pixels</source>
        <translation>步长（像素）</translation>
    </message>
    <message>
        <source>p </source>
        <translation>补 </translation>
    </message>
    <message>
        <source>zero padding, pixels</source>
        <translation>零填充（像素）</translation>
    </message>
    <message>
        <source> units</source>
        <translation> 单元</translation>
    </message>
    <message>
        <source>units (outputs)</source>
        <translation>单元数（输出数）</translation>
    </message>
    <message>
        <source>the activation of every layer of the net</source>
        <translation>网络中每一层的激活函数</translation>
    </message>
    <message>
        <source>max or average over 2x2 pixels, stride 2 (the whole net&apos;s kind)</source>
        <translation>在 2x2 像素上取最大值或平均值，步长 2（整个网络同一种）</translation>
    </message>
    <message>
        <source>the probability of zeroing each input while training (the whole net&apos;s rate)</source>
        <translation>训练时把每个输入置零的概率（整个网络同一个失活率）</translation>
    </message>
    <message>
        <source>Layer {0}: </source>
        <translation>第 {0} 层：</translation>
    </message>
    <message>
        <source>Cannot build this net. {0}{1}</source>
        <translation>无法构建这个网络。{0}{1}</translation>
    </message>
    <message>
        <source>{0}: {1} parameters</source>
        <translation>{0}：{1} 个参数</translation>
    </message>
    <message>
        <source>{0} ({1}: {2})</source>
        <translation>{0}（{1}：{2}）</translation>
    </message>
    <message>
        <source>{0}, the same net as {1}</source>
        <translation>{0}，与 {1} 是同一个网络</translation>
    </message>
</context>
<context>
    <name>AttributionView</name>
    <message>
        <source>integrated gradients</source>
        <translation>积分梯度</translation>
    </message>
    <message>
        <source>SmoothGrad</source>
        <translation>平滑梯度</translation>
    </message>
    <message>
        <source>occlusion</source>
        <translation>遮挡</translation>
    </message>
    <message>
        <source>gradient x input</source>
        <translation>梯度 × 输入</translation>
    </message>
    <message>
        <source>Where the chosen layer&apos;s features that raise the class&apos;s score are active: coarse regions, at that layer&apos;s resolution.</source>
        <translation>所选层中提高该类别得分的特征在哪里被激活：以该层的分辨率显示的粗略区域。</translation>
    </message>
    <message>
        <source>Grad-CAM that lets every part of the digit that raises the score count, not only the strongest one.</source>
        <translation>改进的 Grad-CAM：数字中每个提高得分的部分都会计入，而不只是最强的那一处。</translation>
    </message>
    <message>
        <source>Each pixel&apos;s share of the score&apos;s rise from a blank image to this drawing; the shares add up to the rise.</source>
        <translation>从空白图像到这幅画，得分的上升中每个像素所占的份额；各份额之和等于上升量。</translation>
    </message>
    <message>
        <source>Gradient x input averaged over noisy copies of the drawing: the same question with less speckle.</source>
        <translation>在这幅画的多个加噪副本上平均的梯度 × 输入：问的是同一个问题，斑点更少。</translation>
    </message>
    <message>
        <source>How much the score falls when a small square around each pixel is blanked: slow, but needs no gradients.</source>
        <translation>把每个像素周围的小方块涂空后得分下降多少：较慢，但不需要梯度。</translation>
    </message>
    <message>
        <source>Ink pixels whose change would move the score most: one backward pass, fast and noisy.</source>
        <translation>哪些墨迹像素的变化最能改变得分：一次反向传播，快但噪声多。</translation>
    </message>
    <message>
        <source>Methods</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>predicted</source>
        <translation>预测类别</translation>
    </message>
    <message>
        <source>the conv layer of the Grad-CAM maps</source>
        <translation>Grad-CAM 图所用的卷积层</translation>
    </message>
    <message>
        <source>for</source>
        <translation>针对</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
    <message>
        <source>{0} at {1}</source>
        <translation>{1} 层的 {0}</translation>
    </message>
    <message>
        <source>{0} for {1}</source>
        <translation>{0}（类别 {1}）</translation>
    </message>
    <message>
        <source>{0}: needs a PyTorch model (gradients)</source>
        <translation>{0}：需要 PyTorch 模型（梯度）</translation>
    </message>
</context>
<context>
    <name>Canvas</name>
    <message>
        <source>Draw a digit. Ctrl+Z: undo the last stroke, Esc: clear</source>
        <translation>写一个数字。Ctrl+Z：撤销上一笔，Esc：清除</translation>
    </message>
    <message>
        <source>draw a digit here</source>
        <translation>在此写一个数字</translation>
    </message>
    <message>
        <source>write a number here</source>
        <translation>在这里写一个数</translation>
    </message>
</context>
<context>
    <name>CollectPanel</name>
    <message>
        <source>Every digit has {0} samples. Keep going: any digit helps.</source>
        <translation>每个数字都有 {0} 个样本。继续画吧：画哪个数字都有帮助。</translation>
    </message>
    <message>
        <source>Draw more {0}, {1} and {2} (fewest samples: {3}, {4}, {5})</source>
        <translation>请多画 {0}、{1} 和 {2}（样本最少：{3}、{4}、{5} 个）</translation>
    </message>
    <message>
        <source>Draw more {0} and {1} (fewest samples: {2}, {3})</source>
        <translation>请多画 {0} 和 {1}（样本最少：{2}、{3} 个）</translation>
    </message>
    <message>
        <source>Draw more {0} (fewest samples: {1})</source>
        <translation>请多画 {0}（样本最少：{1} 个）</translation>
    </message>
    <message>
        <source>{0} and {1}</source>
        <translation>{0} 和 {1}</translation>
    </message>
    <message>
        <source>Label the drawing as {0} (key {0})</source>
        <translation>将绘图标记为 {0}（按键 {0}）</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Keep the drawing with the chosen label (Enter)</source>
        <translation>以所选标签保存此绘图（Enter）</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Clear the canvas (Esc)</source>
        <translation>清除画布（Esc）</translation>
    </message>
</context>
<context>
    <name>ConfusionView</name>
    <message>
        <source>true class</source>
        <translation>真实类别</translation>
    </message>
    <message>
        <source>predicted class</source>
        <translation>预测类别</translation>
    </message>
</context>
<context>
    <name>DataFolderRow</name>
    <message>
        <source>Folder with the MNIST (or Fashion-MNIST) files; empty: ${0}, then the download cache. When MNIST is missing, mnist-pad asks before downloading it.</source>
        <translation>存放 MNIST（或 Fashion-MNIST）文件的文件夹；留空时依次使用 ${0} 和下载缓存。缺少 MNIST 时，mnist-pad 会先询问再下载。</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>Data:</source>
        <translation>数据：</translation>
    </message>
    <message>
        <source>MNIST not found: Browse... to its folder</source>
        <translation>未找到 MNIST：请点“浏览...”选择其文件夹</translation>
    </message>
    <message>
        <source>MNIST found in {0}</source>
        <translation>已在 {0} 找到 MNIST</translation>
    </message>
    <message>
        <source>Folder with the MNIST files</source>
        <translation>存放 MNIST 文件的文件夹</translation>
    </message>
</context>
<context>
    <name>DataPrompt</name>
    <message>
        <source>The data folder {folder} does not hold the {name} files: choose the right folder, or empty the Data field of the Train tab to use the usual place.</source>
        <translation>数据文件夹 {folder} 中没有 {name} 文件：请选择正确的文件夹，或清空训练页的“数据”栏以使用默认位置。</translation>
    </message>
    <message>
        <source>The {name} images are not on this computer yet: choose the folder that holds them, or let mnist-pad download them (about {mb} MB).</source>
        <translation>这台计算机上还没有 {name} 图像：请选择存放它们的文件夹，或让 mnist-pad 下载（约 {mb} MB）。</translation>
    </message>
    <message>
        <source>Data needed</source>
        <translation>需要数据</translation>
    </message>
    <message>
        <source>Choose folder...</source>
        <translation>选择文件夹...</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Folder with the {name} files</source>
        <translation>存放 {name} 文件的文件夹</translation>
    </message>
</context>
<context>
    <name>DreamView</name>
    <message>
        <source>what to dream: an image that each class&apos;s score, or each channel of a conv layer, likes most</source>
        <translation>梦见什么：每个类别的得分或某个卷积层的每个通道最喜欢的图像</translation>
    </message>
    <message>
        <source>Dream</source>
        <translation>梦见</translation>
    </message>
    <message>
        <source>each class</source>
        <translation>每个类别</translation>
    </message>
    <message>
        <source>each channel of {0}</source>
        <translation>{0} 的每个通道</translation>
    </message>
    <message>
        <source>Dreaming needs a PyTorch model&apos;s gradients; this model has none.</source>
        <translation>生成梦境图像需要 PyTorch 模型的梯度；这个模型没有梯度。</translation>
    </message>
    <message>
        <source>Another job is running; the dreams follow when it has ended.</source>
        <translation>另一个任务正在运行；它结束后再生成梦境图像。</translation>
    </message>
    <message>
        <source>dreaming {0} images…</source>
        <translation>正在生成 {0} 幅梦境图像…</translation>
    </message>
    <message>
        <source>dreaming… {0:.0%}</source>
        <translation>正在生成梦境图像… {0:.0%}</translation>
    </message>
    <message>
        <source>0-4 above, 5-9 below: the image each class&apos;s score likes most (it rose by {0:.1f} on average from the start noise)</source>
        <translation>上排 0-4，下排 5-9：每个类别的得分最喜欢的图像（相对起始噪声平均上升 {0:.1f}）</translation>
    </message>
    <message>
        <source>{0} channels of {1}, row by row: the image each likes most (its mean rose by {2:.1f} on average)</source>
        <translation>{1} 的 {0} 个通道，逐行排列：每个通道最喜欢的图像（其均值平均上升 {2:.1f}）</translation>
    </message>
</context>
<context>
    <name>EmbeddingView</name>
    <message>
        <source>Compute</source>
        <translation>计算</translation>
    </message>
    <message>
        <source>Compute the map again (with your newest samples)</source>
        <translation>重新计算地图（包含你最新的样本）</translation>
    </message>
    <message>
        <source>Neighbours</source>
        <translation>近邻</translation>
    </message>
    <message>
        <source>The digits nearest to your drawing (or click the ring)</source>
        <translation>离你的绘图最近的数字（或点击圆环）</translation>
    </message>
    <message>
        <source>{0:,} MNIST test digits and {1:,} of your samples (stars), placed by {2}&apos;s penultimate layer with {3} in {4:.1f} s. Your drawing is the ring: click it for its nearest digits.</source>
        <translation>{0:,} 个 MNIST 测试数字和你的 {1:,} 个样本（星形），按 {2} 的倒数第二层用 {3} 排布，用时 {4:.1f} 秒。你的绘图是圆环：点击它查看最近的数字。</translation>
    </message>
    <message>
        <source>Click the ring of your drawing to see the digits nearest to it.</source>
        <translation>点击你的绘图所在的圆环，查看离它最近的数字。</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>地图</translation>
    </message>
    <message>
        <source>PCA: the two directions the features vary most along; all 10,000 test digits in a second or two. t-SNE and UMAP keep neighbours together and show the classes as islands: seconds, on a subset of the digits. UMAP needs umap-learn, and its first map of a session compiles its code (about a minute).</source>
        <translation>PCA：特征变化最大的两个方向；全部 10,000 个测试数字，一两秒完成。t-SNE 和 UMAP 让近邻聚在一起，各类显示为一个个岛：需要几秒，只用部分数字。UMAP 需要 umap-learn，每次会话的第一张图要先编译代码（约一分钟）。</translation>
    </message>
    <message>
        <source>Draw a digit on the pad first: its nearest digits are listed here.</source>
        <translation>请先在画板上画一个数字：离它最近的数字会列在这里。</translation>
    </message>
    <message>
        <source>The map is not ready yet.</source>
        <translation>地图尚未准备好。</translation>
    </message>
    <message>
        <source>my sample</source>
        <translation>我的样本</translation>
    </message>
    <message>
        <source>my sample #{0}</source>
        <translation>我的样本 #{0}</translation>
    </message>
    <message>
        <source>MNIST test #{0}</source>
        <translation>MNIST 测试集 #{0}</translation>
    </message>
    <message>
        <source>{0}, label {1}, cosine distance {2:.4f}</source>
        <translation>{0}，标签 {1}，余弦距离 {2:.4f}</translation>
    </message>
    <message>
        <source>The {0} digits nearest to your drawing in {1}&apos;s penultimate layer (cosine distance); click one to open it in the pad</source>
        <translation>在 {1} 的倒数第二层中离你的绘图最近的 {0} 个数字（余弦距离）；点击一个即可在画板中打开</translation>
    </message>
    <message>
        <source>Your samples changed: Compute to show them on the map.</source>
        <translation>你的样本有变化：点击“计算”以在地图上显示它们。</translation>
    </message>
    <message>
        <source>{0} is an ONNX model of another tool: it gives its class scores only, and has no penultimate layer to map.</source>
        <translation>{0} 是其他工具的 ONNX 模型：它只给出各类得分，没有可绘制地图的倒数第二层。</translation>
    </message>
    <message>
        <source>Another job is running; the map follows when it has ended.</source>
        <translation>另一个任务正在运行；它结束后再计算地图。</translation>
    </message>
    <message>
        <source>computing the features of the test digits…</source>
        <translation>正在计算测试数字的特征…</translation>
    </message>
    <message>
        <source>projecting with {0}…</source>
        <translation>正在用 {0} 投影…</translation>
    </message>
</context>
<context>
    <name>EvalTab</name>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Export report…</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <source>Pick a model and a dataset, then Evaluate.</source>
        <translation>选择一个模型和一个数据集，然后点击“评估”。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation>对比模型</translation>
    </message>
    <message>
        <source>not evaluated yet</source>
        <translation>尚未评估</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <source>recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <source>support</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>normalised (% of each true class)</source>
        <translation>归一化（占每个真实类别的百分比）</translation>
    </message>
    <message>
        <source> (shipped)</source>
        <translation> (随附)</translation>
    </message>
    <message>
        <source>current: {0}</source>
        <translation>当前：{0}</translation>
    </message>
    <message>
        <source>MNIST test</source>
        <translation>MNIST 测试集</translation>
    </message>
    <message>
        <source>Fashion-MNIST test</source>
        <translation>Fashion-MNIST 测试集</translation>
    </message>
    <message>
        <source>my samples</source>
        <translation>我的样本</translation>
    </message>
    <message>
        <source>Some model files were skipped: {0}</source>
        <translation>已跳过部分模型文件：{0}</translation>
    </message>
    <message>
        <source>You have no samples yet: label drawings on the pad or in the Train tab first.</source>
        <translation>你还没有样本：请先在画板或“训练”标签页中标注绘图。</translation>
    </message>
    <message>
        <source>evaluating on {0} ({1})…</source>
        <translation>正在 {0} 上评估（{1}）…</translation>
    </message>
    <message>
        <source>Evaluate a model first; the comparison runs the second model on the same images.</source>
        <translation>请先评估一个模型；对比会在相同的图像上运行第二个模型。</translation>
    </message>
    <message>
        <source>evaluating {0} on the same images…</source>
        <translation>正在相同的图像上评估 {0}…</translation>
    </message>
    <message>
        <source>The pad is empty: draw a digit there first.</source>
        <translation>画板是空的：请先在画板上写一个数字。</translation>
    </message>
    <message>
        <source>embedding the reference images (once per model)…</source>
        <translation>正在计算参考图像的嵌入（每个模型只需一次）…</translation>
    </message>
    <message>
        <source>Another job is running; this is available again when it has ended.</source>
        <translation>另一个任务正在运行；它结束后即可使用。</translation>
    </message>
    <message>
        <source>The model in use is an ONNX model: it gives its class scores only, so there is no feature space to search for neighbours in.</source>
        <translation>正在使用的是 ONNX 模型：它只给出各类的分数，没有可以在其中搜索近邻的特征空间。</translation>
    </message>
    <message>
        <source>{0:.2%} correct</source>
        <translation>正确率 {0:.2%}</translation>
    </message>
    <message>
        <source>{0} on {1}: {2:,} images in {3:.2f} s on {4} ({5}).</source>
        <translation>{0} 在 {1} 上：{2:,} 张图像，用时 {3:.2f} 秒，设备 {4}（{5}）。</translation>
    </message>
    <message>
        <source>As the pad would say: ok {0:,} ({1:,} of them wrong), unsure {2:,}, not a digit {3:,}.</source>
        <translation>按画板的说法：确定 {0:,}（其中 {1:,} 个错误），不确定 {2:,}，不是数字 {3:,}。</translation>
    </message>
    <message>
        <source>{0} on {1}</source>
        <translation>{0} 在 {1} 上</translation>
    </message>
    <message>
        <source>no differences</source>
        <translation>没有差异</translation>
    </message>
    <message>
        <source>A = {0}: {1:.2%}, B = {2}: {3:.2%} on {4} ({5}).</source>
        <translation>在 {4} 上，A = {0}：{1:.2%}，B = {2}：{3:.2%}（{5}）。</translation>
    </message>
    <message>
        <source>Nearest neighbours found among {0}.</source>
        <translation>已在 {0} 中找到最近邻。</translation>
    </message>
    <message>
        <source>Export report</source>
        <translation>导出报告</translation>
    </message>
    <message>
        <source>JSON report (*.json)</source>
        <translation>JSON 报告 (*.json)</translation>
    </message>
    <message>
        <source>Export failed: {0}</source>
        <translation>导出失败：{0}</translation>
    </message>
    <message>
        <source>Exported {0}</source>
        <translation>已导出 {0}</translation>
    </message>
    <message>
        <source> and </source>
        <translation> 和 </translation>
    </message>
</context>
<context>
    <name>FeatureMapsView</name>
    <message>
        <source>draw a digit to see what each channel responds to</source>
        <translation>画一个数字，看看每个通道对什么有响应</translation>
    </message>
    <message>
        <source>{0} channels, {1}x{2} each; bright = strong response</source>
        <translation>{0} 个通道，每个 {1}x{2}；亮 = 响应强</translation>
    </message>
</context>
<context>
    <name>FiltersView</name>
    <message>
        <source>{0} filters, {1}x{2} kernels; red positive, blue negative</source>
        <translation>{0} 个滤波器，{1}x{2} 卷积核；红色为正，蓝色为负</translation>
    </message>
    <message>
        <source>{0} filters, {1}x{2} kernels, strongest of {3} input channels each; red positive, blue negative</source>
        <translation>{0} 个滤波器，{1}x{2} 卷积核，各取 {3} 个输入通道中最强的一个；红色为正，蓝色为负</translation>
    </message>
</context>
<context>
    <name>FinetuneOptions</name>
    <message>
        <source>last conv block + classifier</source>
        <translation>最后一个卷积块 + 分类器</translation>
    </message>
    <message>
        <source>classifier only</source>
        <translation>仅分类器</translation>
    </message>
    <message>
        <source>all layers</source>
        <translation>所有层</translation>
    </message>
    <message>
        <source>all layers, batch-norm statistics kept</source>
        <translation>所有层，保留批归一化统计量</translation>
    </message>
    <message>
        <source>optimizer steps</source>
        <translation>优化器步数</translation>
    </message>
    <message>
        <source>MNIST training images mixed into each batch per sample of yours (0: none). Replay keeps the model&apos;s MNIST skill.</source>
        <translation>每个批次中按你的每个样本混入的 MNIST 训练图像数量（0：不混入）。回放可以保持模型识别 MNIST 的能力。</translation>
    </message>
    <message>
        <source>Fine-tune on my samples</source>
        <translation>用我的样本微调</translation>
    </message>
    <message>
        <source>Layers to train</source>
        <translation>训练的层</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>MNIST replay</source>
        <translation>MNIST 回放</translation>
    </message>
</context>
<context>
    <name>FinetuneResults</name>
    <message>
        <source>held out</source>
        <translation>留出</translation>
    </message>
    <message>
        <source>before, %</source>
        <translation>微调前，%</translation>
    </message>
    <message>
        <source>after, %</source>
        <translation>微调后，%</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Before/after accuracy appears here after fine-tuning.</source>
        <translation>微调后，这里会显示微调前后的准确率。</translation>
    </message>
    <message>
        <source>Trained on {0} samples in {1:.1f} s.</source>
        <translation>用 {0} 个样本训练，耗时 {1:.1f} 秒。</translation>
    </message>
    <message>
        <source>Your held-out samples: {0} &amp;rarr; &lt;b&gt;{1}&lt;/b&gt;.</source>
        <translation>你的留出样本：{0} &amp;rarr; &lt;b&gt;{1}&lt;/b&gt;。</translation>
    </message>
    <message>
        <source>No samples were held out (add more per class to measure).</source>
        <translation>没有留出样本（每个类别多添加一些样本才能衡量）。</translation>
    </message>
    <message>
        <source>MNIST test: {0:.2f}% &amp;rarr; {1:.2f}% ({2}).</source>
        <translation>MNIST 测试集：{0:.2f}% &amp;rarr; {1:.2f}%（{2}）。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Warning:&lt;/b&gt; MNIST accuracy fell by more than {0} points: the model is forgetting MNIST. Try fewer steps, a lower learning rate or more MNIST replay, or revert to the base model.</source>
        <translation>&lt;b&gt;警告：&lt;/b&gt;MNIST 准确率下降超过 {0} 个百分点：模型正在遗忘 MNIST。请尝试减少步数、降低学习率或增加 MNIST 回放，或者恢复到基础模型。</translation>
    </message>
</context>
<context>
    <name>Gallery</name>
    <message>
        <source>Open in the canvas</source>
        <translation>在画板中打开</translation>
    </message>
    <message>
        <source>Relabel as</source>
        <translation>重新标注为</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the selected samples (Del)</source>
        <translation>删除所选样本（Del）</translation>
    </message>
    <message>
        <source>Import...</source>
        <translation>导入...</translation>
    </message>
    <message>
        <source>Add the samples of a folder &lt;label&gt;/*.png (with or without manifest.json)</source>
        <translation>添加文件夹中按 &lt;标签&gt;/*.png 存放的样本（有无 manifest.json 均可）</translation>
    </message>
    <message>
        <source>Export...</source>
        <translation>导出...</translation>
    </message>
    <message>
        <source>Write every sample as &lt;label&gt;/&lt;id&gt;.png plus manifest.json into a folder</source>
        <translation>将每个样本以 &lt;标签&gt;/&lt;ID&gt;.png 的形式连同 manifest.json 写入一个文件夹</translation>
    </message>
    <message>
        <source>Delete failed</source>
        <translation>删除失败</translation>
    </message>
    <message>
        <source>Relabel failed</source>
        <translation>重新标注失败</translation>
    </message>
    <message>
        <source>Imported {0} sample(s) from {1}; {2} file(s) skipped (listed below)</source>
        <translation>已从 {1} 导入 {0} 个样本；跳过了 {2} 个文件（见下方列表）</translation>
    </message>
    <message>
        <source>Imported {0} sample(s) from {1}</source>
        <translation>已从 {1} 导入 {0} 个样本</translation>
    </message>
    <message>
        <source>Exported {0} sample(s) to {1}</source>
        <translation>已将 {0} 个样本导出到 {1}</translation>
    </message>
    <message>
        <source>Import samples from a folder</source>
        <translation>从文件夹导入样本</translation>
    </message>
    <message>
        <source>Import failed</source>
        <translation>导入失败</translation>
    </message>
    <message>
        <source>Export samples into a folder</source>
        <translation>将样本导出到文件夹</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>导出失败</translation>
    </message>
    <message>
        <source>All {0}</source>
        <translation>全部 {0}</translation>
    </message>
    <message>
        <source>... and {0} more (point here for all)</source>
        <translation>……另有 {0} 个（鼠标指向此处查看全部）</translation>
    </message>
    <message>
        <source>{0} file(s) could not be read and were skipped:</source>
        <translation>{0} 个文件无法读取，已跳过：</translation>
    </message>
</context>
<context>
    <name>HelpPanel</name>
    <message>
        <source>draw</source>
        <translation>绘制</translation>
    </message>
    <message>
        <source>left mouse button, or a tablet pen (pressure changes the width)</source>
        <translation>鼠标左键，或数位板的笔（压力改变笔画粗细）</translation>
    </message>
    <message>
        <source>undo the last stroke</source>
        <translation>撤销上一笔</translation>
    </message>
    <message>
        <source>clear the canvas</source>
        <translation>清空画布</translation>
    </message>
    <message>
        <source>[ and ]</source>
        <translation>[ 和 ]</translation>
    </message>
    <message>
        <source>thinner / thicker pen</source>
        <translation>笔变细 / 变粗</translation>
    </message>
    <message>
        <source>keep the drawing as a labelled sample of that digit (for fine-tuning), then clear</source>
        <translation>将绘图保存为该数字的已标注样本（用于微调），然后清空</translation>
    </message>
    <message>
        <source>the Pad, Train and Evaluate tabs</source>
        <translation>“画板”、“训练”和“评估”标签页</translation>
    </message>
    <message>
        <source>open an image of a digit (a scan or a photo) in the pad</source>
        <translation>在画板中打开数字图片（扫描件或照片）</translation>
    </message>
    <message>
        <source>Enter (Train tab)</source>
        <translation>Enter（训练页）</translation>
    </message>
    <message>
        <source>add the drawing as a sample with the chosen label</source>
        <translation>以所选标签将绘图添加为样本</translation>
    </message>
    <message>
        <source>Del (Train tab)</source>
        <translation>Del（训练页）</translation>
    </message>
    <message>
        <source>delete the selected samples</source>
        <translation>删除所选样本</translation>
    </message>
    <message>
        <source>right click</source>
        <translation>右键单击</translation>
    </message>
    <message>
        <source>more actions on the drawing, the samples and the model list</source>
        <translation>对绘图、样本和模型列表的更多操作</translation>
    </message>
    <message>
        <source>help</source>
        <translation>帮助</translation>
    </message>
    <message>
        <source>quit (it asks first when a job is running: stopping it saves nothing half-done)</source>
        <translation>退出（有任务运行时会先询问：停止任务不会保存未完成的结果）</translation>
    </message>
    <message>
        <source>The probabilities are calibrated (temperature {0:.2f}): when the pad says 90%, it is right about nine times in ten. Under {1:.0%} for the top class it says it is unsure instead of guessing.</source>
        <translation>概率经过校准（温度 {0:.2f}）：画板说 90% 时，大约十次中有九次是对的。最高类别低于 {1:.0%} 时，画板会说“不确定”而不是猜测。</translation>
    </message>
    <message>
        <source>When the two likeliest classes together get under {0:.0%}, it says the drawing is not a digit.</source>
        <translation>当最可能的两个类别合计低于 {0:.0%} 时，画板会说这不是数字。</translation>
    </message>
    <message>
        <source>an ONNX model run by ONNX Runtime (no gradients: occlusion shows the evidence; it cannot be fine-tuned)</source>
        <translation>由 ONNX Runtime 运行的 ONNX 模型（没有梯度：用遮挡法显示依据；不能微调）</translation>
    </message>
    <message>
        <source>input scaling</source>
        <translation>输入缩放</translation>
    </message>
    <message>
        <source>{0} test accuracy</source>
        <translation>{0} 测试集准确率</translation>
    </message>
    <message>
        <source>The drawing is cropped to its ink, its stroke width brought to MNIST&apos;s, fitted into 20x20 pixels keeping its aspect ratio and placed in 28x28 with its centre of mass in the middle: the way MNIST itself was made.</source>
        <translation>画作先裁剪到墨迹范围，笔画粗细调整到与 MNIST 一致，按原宽高比缩放到 20x20 像素，再放入 28x28 并使质心居中：这正是 MNIST 本身的制作方式。</translation>
    </message>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>a wide canvas for a number (about eight digits), or back to the square one; click a digit&apos;s tag to see its input, feature maps and saliency</source>
        <translation>宽画布用来写一个数（约八位数字），再按一次回到方形画布；点击某个数字的标签可查看它的输入、特征图和显著性</translation>
    </message>
    <message>
        <source>save the drawing as a PNG image, and its strokes beside it (name.strokes.json: Ctrl+O opens them again to draw on)</source>
        <translation>把绘图保存为 PNG 图像，并在旁边保存其笔画（name.strokes.json：用 Ctrl+O 可再次打开并继续绘制）</translation>
    </message>
    <message>
        <source>architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>(not saved)</source>
        <translation>（未保存）</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
    <message>
        <source>Model in use</source>
        <translation>当前模型</translation>
    </message>
    <message>
        <source>How the drawing is read</source>
        <translation>如何读取绘图</translation>
    </message>
</context>
<context>
    <name>JobRunner</name>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
</context>
<context>
    <name>LayerList</name>
    <message>
        <source>one pooling per conv block, after its activation</source>
        <translation>每个卷积块只有一个池化，放在其激活之后</translation>
    </message>
    <message>
        <source>one batchnorm per conv block: right after the conv, or after its activation (and pooling)</source>
        <translation>每个卷积块只有一个批归一化：紧跟在卷积之后，或在其激活（和池化）之后</translation>
    </message>
    <message>
        <source>one activation per conv block</source>
        <translation>每个卷积块只有一个激活</translation>
    </message>
    <message>
        <source>dropout goes after the flatten: the net drops out only before dense layers</source>
        <translation>随机失活放在展平之后：网络只在全连接层之前做随机失活</translation>
    </message>
    <message>
        <source>dense layers come after a flatten or a global average pooling</source>
        <translation>全连接层放在展平或全局平均池化之后</translation>
    </message>
    <message>
        <source>conv layers come before the flatten</source>
        <translation>卷积层放在展平之前</translation>
    </message>
    <message>
        <source>pooling belongs in a conv block, before the flatten</source>
        <translation>池化属于卷积块，放在展平之前</translation>
    </message>
    <message>
        <source>one flatten or global average pooling, between the conv and the dense layers</source>
        <translation>卷积层和全连接层之间只有一个展平或全局平均池化</translation>
    </message>
    <message>
        <source>one batchnorm per dense block: right after the dense layer, or after its activation</source>
        <translation>每个全连接块只有一个批归一化：紧跟在全连接层之后，或在其激活之后</translation>
    </message>
    <message>
        <source>one activation per dense layer</source>
        <translation>每个全连接层只有一个激活</translation>
    </message>
    <message>
        <source>one dropout per dense block, after its activation (and batchnorm)</source>
        <translation>每个全连接块只有一个随机失活，放在其激活（和批归一化）之后</translation>
    </message>
    <message>
        <source>activation function</source>
        <translation>激活函数</translation>
    </message>
    <message>
        <source>pooling kind</source>
        <translation>池化方式</translation>
    </message>
    <message>
        <source>dropout rate</source>
        <translation>失活率</translation>
    </message>
    <message>
        <source>not the {1} of layer {0}: the net has one {1} for all its layers</source>
        <translation>与第 {0} 层的{1}不同：网络的所有层只有一种{1}</translation>
    </message>
    <message>
        <source>{0} needs its activation next</source>
        <translation>{0} 之后需要紧跟其激活</translation>
    </message>
    <message>
        <source>the net starts with a conv layer</source>
        <translation>网络以卷积层开始</translation>
    </message>
    <message>
        <source>conv{0}</source>
        <translation>conv{0}</translation>
    </message>
    <message>
        <source>add a flatten (or a global average pooling) after the last conv block</source>
        <translation>请在最后一个卷积块之后添加展平（或全局平均池化）</translation>
    </message>
    <message>
        <source>dense layer {0}</source>
        <translation>全连接层 {0}</translation>
    </message>
    <message>
        <source>batchnorm goes in every conv block or in none, at one place</source>
        <translation>批归一化要么每个卷积块都有，要么都没有，且位置相同</translation>
    </message>
    <message>
        <source>batchnorm goes in every dense block or in none, at one place</source>
        <translation>批归一化要么每个全连接块都有，要么都没有，且位置相同</translation>
    </message>
    <message>
        <source>the dense blocks&apos; batchnorm goes where the conv blocks&apos; does (before or after the activation)</source>
        <translation>全连接块的批归一化与卷积块的位置相同（在激活之前或之后）</translation>
    </message>
    <message>
        <source>dropout goes after every dense block or none (and then it may go before the first dense layer too)</source>
        <translation>随机失活要么每个全连接块之后都有，要么都没有（有时也可以放在第一个全连接层之前）</translation>
    </message>
    <message>
        <source>the feature maps vanish: {0}</source>
        <translation>特征图消失了：{0}</translation>
    </message>
</context>
<context>
    <name>LiveCurves</name>
    <message>
        <source>train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>held-out</source>
        <translation>留出</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>accuracy (%)</source>
        <translation>准确率 (%)</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步数</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Pad</source>
        <translation>画板</translation>
    </message>
    <message>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>Save drawing...</source>
        <translation>保存绘图...</translation>
    </message>
    <message>
        <source>Kept as a sample of {0} for fine-tuning (samples in the Train tab: {1}).</source>
        <translation>已保存为 {0} 的样本，用于微调（训练页中的样本数：{1}）。</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Saved strokes (*.strokes.json)</source>
        <translation>已保存的笔画 (*.strokes.json)</translation>
    </message>
    <message>
        <source>Open image...</source>
        <translation>打开图像...</translation>
    </message>
    <message>
        <source>Paste image</source>
        <translation>粘贴图片</translation>
    </message>
    <message>
        <source>Recent models</source>
        <translation>最近的模型</translation>
    </message>
    <message>
        <source>Recent drawings</source>
        <translation>最近的绘图</translation>
    </message>
    <message>
        <source>Import samples...</source>
        <translation>导入样本...</translation>
    </message>
    <message>
        <source>Export samples...</source>
        <translation>导出样本...</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Help</source>
        <translation>帮助</translation>
    </message>
    <message>
        <source>About mnist-pad</source>
        <translation>关于 mnist-pad</translation>
    </message>
    <message>
        <source>About Qt</source>
        <translation>关于 Qt</translation>
    </message>
    <message>
        <source>(none yet: models you open appear here)</source>
        <translation>（暂无：打开过的模型会显示在这里）</translation>
    </message>
    <message>
        <source>{0}. kept as {1}</source>
        <translation>{0}. 已保存为 {1}</translation>
    </message>
    <message>
        <source>{0}. drawing ({1} strokes)</source>
        <translation>{0}. 绘图（{1} 笔）</translation>
    </message>
    <message>
        <source>(none yet: drawings you clear appear here)</source>
        <translation>（暂无：清除的绘图会显示在这里）</translation>
    </message>
    <message>
        <source>Open an image of a digit</source>
        <translation>打开数字图像</translation>
    </message>
    <message>
        <source>Cannot open the image</source>
        <translation>无法打开图像</translation>
    </message>
    <message>
        <source>Opened {0}</source>
        <translation>已打开 {0}</translation>
    </message>
    <message>
        <source>Cannot open the drawing</source>
        <translation>无法打开绘图</translation>
    </message>
    <message>
        <source>Nothing to save: the pad is empty.</source>
        <translation>没有可保存的内容：画板是空的。</translation>
    </message>
    <message>
        <source>Save the drawing</source>
        <translation>保存绘图</translation>
    </message>
    <message>
        <source>Cannot save the drawing</source>
        <translation>无法保存绘图</translation>
    </message>
    <message>
        <source>Saved the drawing to {0}</source>
        <translation>已将绘图保存到 {0}</translation>
    </message>
    <message>
        <source>Saved the drawing to {0} and its strokes to {1}</source>
        <translation>绘图已保存到 {0}，其笔画已保存到 {1}</translation>
    </message>
    <message>
        <source>The new language is used from the next start of mnist-pad. Restart now?</source>
        <translation>新的语言将在下次启动 mnist-pad 时生效。现在重新启动吗？</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重新启动</translation>
    </message>
    <message>
        <source>mnist-pad help</source>
        <translation>mnist-pad 帮助</translation>
    </message>
    <message>
        <source>There is no picture to open.</source>
        <translation>没有可打开的图片。</translation>
    </message>
    <message>
        <source>model: {0} ({1:.2f}% on {2} test)</source>
        <translation>模型：{0}（{2} 测试集准确率 {1:.2f}%）</translation>
    </message>
    <message>
        <source>model: {0}</source>
        <translation>模型：{0}</translation>
    </message>
    <message>
        <source>inference: {0}, {1}</source>
        <translation>推理：{0}，{1}</translation>
    </message>
    <message>
        <source>Quit mnist-pad?</source>
        <translation>退出 mnist-pad？</translation>
    </message>
    <message>
        <source>A job (training, fine-tuning or an evaluation) is running. Quitting stops it, and nothing it was doing is saved.</source>
        <translation>有任务（训练、微调或评估）正在运行。退出会停止该任务，其进行中的工作都不会保存。</translation>
    </message>
    <message>
        <source>Stop and quit</source>
        <translation>停止并退出</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>tuned from {0}</source>
        <translation>基于 {0} 微调</translation>
    </message>
    <message>
        <source>{0} (shipped)</source>
        <translation>{0}（内置）</translation>
    </message>
    <message>
        <source>Revert to base</source>
        <translation>恢复基础模型</translation>
    </message>
    <message>
        <source>Rename model...</source>
        <translation>重命名模型...</translation>
    </message>
    <message>
        <source>Delete model...</source>
        <translation>删除模型...</translation>
    </message>
    <message>
        <source>Open model file...</source>
        <translation>打开模型文件...</translation>
    </message>
    <message>
        <source>Rename or delete the model in use, or open a model file</source>
        <translation>重命名或删除当前使用的模型，或打开模型文件</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>Shipped models keep their names; fine-tune or train one of your own to name it.</source>
        <translation>内置模型不能重命名；请微调或训练一个自己的模型再为其命名。</translation>
    </message>
    <message>
        <source>Rename model</source>
        <translation>重命名模型</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Not renamed: {0}</source>
        <translation>未重命名：{0}</translation>
    </message>
    <message>
        <source>Renamed {0} to {1}.</source>
        <translation>已将 {0} 重命名为 {1}。</translation>
    </message>
    <message>
        <source>Shipped models cannot be deleted.</source>
        <translation>内置模型不能删除。</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <source>Delete {0} ({1})? This cannot be undone.</source>
        <translation>删除 {0}（{1}）？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Not deleted: {0}</source>
        <translation>未删除：{0}</translation>
    </message>
    <message>
        <source>Deleted {0}; now using {1}.</source>
        <translation>已删除 {0}；现在使用 {1}。</translation>
    </message>
    <message>
        <source>Open a model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>Models (*.safetensors *.onnx *.pth *.pt *.h5 *.keras)</source>
        <translation>模型 (*.safetensors *.onnx *.pth *.pt *.h5 *.keras)</translation>
    </message>
    <message>
        <source>mnist-pad models (*.safetensors)</source>
        <translation>mnist-pad 模型 (*.safetensors)</translation>
    </message>
    <message>
        <source>ONNX models (*.onnx)</source>
        <translation>ONNX 模型 (*.onnx)</translation>
    </message>
    <message>
        <source>PyTorch state dicts (*.pth *.pt)</source>
        <translation>PyTorch 状态字典 (*.pth *.pt)</translation>
    </message>
    <message>
        <source>Keras weights (*.h5 *.keras)</source>
        <translation>Keras 权重 (*.h5 *.keras)</translation>
    </message>
    <message>
        <source>{0} (pixels as {1})</source>
        <translation>{0}（像素取 {1}）</translation>
    </message>
    <message>
        <source>Input scaling</source>
        <translation>输入缩放</translation>
    </message>
    <message>
        <source>How did this model see its input when it was trained?
Guess: {0} ({1})</source>
        <translation>这个模型训练时看到的输入是怎样缩放的？
猜测：{0}（{1}）</translation>
    </message>
    <message>
        <source>Opened the ONNX model {0} (input {1}): it predicts and is evaluated here; it cannot be fine-tuned.</source>
        <translation>已打开 ONNX 模型 {0}（输入 {1}）：可以在这里预测和评估，但不能微调。</translation>
    </message>
    <message>
        <source>Imported {0} as the model {1} (input {2}).</source>
        <translation>已将 {0} 导入为模型 {1}（输入 {2}）。</translation>
    </message>
    <message>
        <source>Use {0} again</source>
        <translation>重新使用 {0}</translation>
    </message>
    <message>
        <source>... and {0} more (point here for all)</source>
        <translation>……另有 {0} 个（鼠标指向此处查看全部）</translation>
    </message>
    <message>
        <source>{0} model file(s) skipped:</source>
        <translation>跳过了 {0} 个模型文件：</translation>
    </message>
</context>
<context>
    <name>PadTab</name>
    <message>
        <source>sure</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>unsure</source>
        <translation>不确定</translation>
    </message>
    <message>
        <source>not a digit</source>
        <translation>不是数字</translation>
    </message>
    <message>
        <source>pen width ([ and ])</source>
        <translation>笔宽（[ 和 ]）</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>undo the last stroke (Ctrl+Z)</source>
        <translation>撤销上一笔 (Ctrl+Z)</translation>
    </message>
    <message>
        <source>clear the canvas (Esc)</source>
        <translation>清空画布 (Esc)</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>数</translation>
    </message>
    <message>
        <source>a wide canvas for a number of up to about eight digits (N)</source>
        <translation>用于书写最多约八位数字的宽画布 (N)</translation>
    </message>
    <message>
        <source>Pen</source>
        <translation>笔宽</translation>
    </message>
    <message>
        <source>What the network receives (28x28)</source>
        <translation>网络接收到的图像 (28x28)</translation>
    </message>
    <message>
        <source>Why: where the evidence is</source>
        <translation>依据：证据在哪里</translation>
    </message>
    <message>
        <source>Feature maps</source>
        <translation>特征图</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>卷积核</translation>
    </message>
    <message>
        <source>Attribution</source>
        <translation>归因</translation>
    </message>
    <message>
        <source>Dreams</source>
        <translation>梦境</translation>
    </message>
    <message>
        <source>Map</source>
        <translation>映射图</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Keys &amp;&amp; model</source>
        <translation>按键与模型</translation>
    </message>
    <message>
        <source>Undo stroke</source>
        <translation>撤销一笔</translation>
    </message>
    <message>
        <source>Keep as a sample of</source>
        <translation>保存为样本</translation>
    </message>
    <message>
        <source>samples are kept from the square canvas: press N, then draw one digit</source>
        <translation>样本只能从方形画布保存：按 N，然后画一个数字</translation>
    </message>
    <message>
        <source>kept as a sample of {0}</source>
        <translation>已保存为 {0} 的样本</translation>
    </message>
    <message>
        <source>draw a digit</source>
        <translation>写一个数字</translation>
    </message>
    <message>
        <source>not a digit (score {0:.0%})</source>
        <translation>不是数字（得分 {0:.0%}）</translation>
    </message>
    <message>
        <source>unsure (maybe {0}, {1:.0%})</source>
        <translation>不确定（可能是 {0}，{1:.0%}）</translation>
    </message>
    <message>
        <source>it&apos;s a {0}  ({1:.0%})</source>
        <translation>这是 {0}  ({1:.0%})</translation>
    </message>
    <message>
        <source>the number {0}</source>
        <translation>数字 {0}</translation>
    </message>
    <message>
        <source>digit {0}: {1} ({2:.0%}), {3}</source>
        <translation>第 {0} 位：{1}（{2:.0%}），{3}</translation>
    </message>
    <message>
        <source>unsure when the top probability is under {0:.0%}</source>
        <translation>最高概率低于 {0:.0%} 时显示“不确定”</translation>
    </message>
    <message>
        <source>not a digit when the two likeliest classes together get under {0:.0%} (the score)</source>
        <translation>最可能的两个类别合计低于 {0:.0%}（得分）时显示“不是数字”</translation>
    </message>
</context>
<context>
    <name>Refusal</name>
    <message>
        <source>{0} reads {1} images ({2}); the pad reads 28x28 grey digits. Pick it in the Evaluate tab to test it on its own images, or pick a digit model.</source>
        <translation>{0} 读取 {1} 的图像（{2}）；画板读取 28x28 的灰度数字。请在“评估”标签页中选择它，在它自己的图像上测试，或选择一个数字模型。</translation>
    </message>
</context>
<context>
    <name>ReplayButton</name>
    <message>
        <source>Replay...</source>
        <translation>回放...</translation>
    </message>
    <message>
        <source>Replay how {0} learnt: the filters, the drawing&apos;s feature maps and probabilities and the confusion matrix, snapshot by snapshot</source>
        <translation>逐个快照回放 {0} 的学习过程：卷积核、绘图的特征图和各类概率，以及混淆矩阵</translation>
    </message>
    <message>
        <source>No snapshots of this model: a model trained or fine-tuned here keeps them</source>
        <translation>这个模型没有快照：在这里训练或微调的模型会保存快照</translation>
    </message>
</context>
<context>
    <name>ReplayDialog</name>
    <message>
        <source>How {0} learnt</source>
        <translation>{0} 是怎样学会的</translation>
    </message>
</context>
<context>
    <name>ResultPages</name>
    <message>
        <source>Click a cell of the confusion matrix to see its images.</source>
        <translation>点击混淆矩阵的单元格，查看其中的图像。</translation>
    </message>
    <message>
        <source>The most confident mistakes appear here after an evaluation.</source>
        <translation>评估后，置信度最高的错误会显示在这里。</translation>
    </message>
    <message>
        <source>Draw on the pad, then find the closest training images and samples.</source>
        <translation>在画板上书写，然后查找最相近的训练图像和样本。</translation>
    </message>
    <message>
        <source>class</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>accuracy A</source>
        <translation>准确率 A</translation>
    </message>
    <message>
        <source>accuracy B</source>
        <translation>准确率 B</translation>
    </message>
    <message>
        <source>B − A</source>
        <translation>B − A</translation>
    </message>
    <message>
        <source>Find neighbours of the pad drawing</source>
        <translation>查找画板绘图的近邻</translation>
    </message>
    <message>
        <source>Cell</source>
        <translation>单元格</translation>
    </message>
    <message>
        <source>Mistakes</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Neighbours</source>
        <translation>近邻</translation>
    </message>
    <message>
        <source>all {0} mistakes, most confident first (click one to open it in the pad)</source>
        <translation>全部 {0} 个错误，按置信度从高到低排列（点击可在画板中打开）</translation>
    </message>
    <message>
        <source>the {0} most confident of {1} mistakes, most confident first (click one to open it in the pad)</source>
        <translation>{1} 个错误中置信度最高的 {0} 个，按置信度从高到低排列（点击可在画板中打开）</translation>
    </message>
    <message>
        <source>{0} read as {1}: {2}, most confident first</source>
        <translation>{0} 被识别为 {1}：{2}，按置信度从高到低排列</translation>
    </message>
    <message>
        <source>{0} read right: {1}, most confident first</source>
        <translation>{0} 识别正确：{1}，按置信度从高到低排列</translation>
    </message>
    <message>
        <source>A ({0}) right, B ({1}) wrong: {2}</source>
        <translation>A（{0}）正确、B（{1}）错误：{2}</translation>
    </message>
    <message>
        <source>B ({0}) right, A ({1}) wrong: {2}</source>
        <translation>B（{0}）正确、A（{1}）错误：{2}</translation>
    </message>
    <message>
        <source>{0} #{1}, label {2}, distance {3:.4f}</source>
        <translation>{0} #{1}，标签 {2}，距离 {3:.4f}</translation>
    </message>
    <message>
        <source>The {0} nearest in {1}&apos;s penultimate layer (cosine distance)</source>
        <translation>在 {1} 倒数第二层中最近的 {0} 个（余弦距离）</translation>
    </message>
    <message>
        <source>image #{0}: true {1}, read as {2} with {3:.1%}</source>
        <translation>图像 #{0}：真实为 {1}，被识别为 {2}，置信度 {3:.1%}</translation>
    </message>
    <message>
        <source>{0:,} image</source>
        <translation>{0:,} 张图像</translation>
    </message>
    <message>
        <source>{0:,} images</source>
        <translation>{0:,} 张图像</translation>
    </message>
</context>
<context>
    <name>SaliencyView</name>
    <message>
        <source>gradient x input</source>
        <translation>梯度 × 输入</translation>
    </message>
    <message>
        <source>top class</source>
        <translation>最可能类别</translation>
    </message>
    <message>
        <source>for</source>
        <translation>针对</translation>
    </message>
    <message>
        <source>This model has no gradients (an ONNX model run by ONNX Runtime): occlusion shows the evidence.</source>
        <translation>这个模型没有梯度（由 ONNX Runtime 运行的 ONNX 模型）：用遮挡法显示依据。</translation>
    </message>
    <message>
        <source>occlusion</source>
        <translation>遮挡法</translation>
    </message>
    <message>
        <source>{0} for {1}: bright = pushes towards {1}</source>
        <translation>{0}（针对 {1}）：亮处 = 推向 {1}</translation>
    </message>
</context>
<context>
    <name>SampleListModel</name>
    <message>
        <source>label {0}, id {1} (from an image file)</source>
        <translation>标签 {0}，ID {1}（来自图像文件）</translation>
    </message>
    <message>
        <source>label {0}, id {1}</source>
        <translation>标签 {0}，ID {1}</translation>
    </message>
</context>
<context>
    <name>ScratchOptions</name>
    <message>
        <source>passes over the training set</source>
        <translation>遍历训练集的轮数</translation>
    </message>
    <message>
        <source>TensorBoard log</source>
        <translation>张量板日志</translation>
    </message>
    <message>
        <source>Write the run for TensorBoard (loss, accuracy and learning rate; weight histograms, the validation confusion matrix and the first conv layer&apos;s filters each epoch; the graph) and the curves as curves.csv, in a folder named after the model, inside this one: tensorboard --logdir FOLDER</source>
        <translation>把这次训练写成张量板日志（损失、准确率和学习率；每轮的权重直方图、验证集混淆矩阵和第一个卷积层的滤波器；网络的计算图），并把曲线另存为表格文件，放在这个文件夹中以模型命名的子文件夹里；用张量板打开这个文件夹即可查看</translation>
    </message>
    <message>
        <source>...</source>
        <translation>...</translation>
    </message>
    <message>
        <source>Choose the folder of the TensorBoard logs</source>
        <translation>选择张量板日志的文件夹</translation>
    </message>
    <message>
        <source>Train from scratch on {0}</source>
        <translation>在 {0} 上从头训练</translation>
    </message>
    <message>
        <source>{0} is a file, not a folder</source>
        <translation>{0} 是文件，不是文件夹</translation>
    </message>
    <message>
        <source>The net cannot be built: see the layers on the left.</source>
        <translation>无法构建网络：请查看左侧的层。</translation>
    </message>
    <message>
        <source>Net: {0}, {1:,} parameters; its layers and the techniques are on the left.</source>
        <translation>网络：{0}，{1:,} 个参数；它的层和训练技巧在左侧。</translation>
    </message>
    <message>
        <source>Folder of the TensorBoard logs</source>
        <translation>张量板日志的文件夹</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Epochs</source>
        <translation>轮数</translation>
    </message>
</context>
<context>
    <name>SnapshotView</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Filters</source>
        <translation>卷积核</translation>
    </message>
    <message>
        <source>The drawing&apos;s feature maps</source>
        <translation>绘图的特征图</translation>
    </message>
    <message>
        <source>Confusion on the held-out images</source>
        <translation>留出图像上的混淆矩阵</translation>
    </message>
    <message>
        <source>The drawing&apos;s probabilities</source>
        <translation>绘图的各类概率</translation>
    </message>
    <message>
        <source>Nothing to replay: train or fine-tune a model in this tab to record how it learns.</source>
        <translation>没有可回放的内容：在本页训练或微调一个模型，即可记录它的学习过程。</translation>
    </message>
    <message>
        <source>Your drawing</source>
        <translation>你的绘图</translation>
    </message>
    <message>
        <source>A held-out image of {0}</source>
        <translation>一张留出的 {0} 图像</translation>
    </message>
    <message>
        <source>Step {0:,} of {1:,}, epoch {2}: {3:.1%} of {4} held-out images read right. {5}: read as {6} ({7:.0%}).</source>
        <translation>第 {0:,} / {1:,} 步，第 {2} 轮：{4} 张留出图像中认对 {3:.1%}。{5}：认作 {6}（{7:.0%}）。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>StepsView</name>
    <message>
        <source>1 crop to ink</source>
        <translation>1 裁剪到笔迹</translation>
    </message>
    <message>
        <source>2 stroke width</source>
        <translation>2 笔宽</translation>
    </message>
    <message>
        <source>3 fit 20x20</source>
        <translation>3 缩放到 20x20</translation>
    </message>
    <message>
        <source>4 centre by mass</source>
        <translation>4 按质心居中</translation>
    </message>
    <message>
        <source>stroke width {0:.1f} px (in the 20 px box) brought to MNIST&apos;s {1}</source>
        <translation>笔宽 {0:.1f} px（在 20 px 框内），已调整为 MNIST 的 {1}</translation>
    </message>
    <message>
        <source>stroke width {0:.1f} px in the 20 px box, like MNIST&apos;s: kept</source>
        <translation>笔宽 {0:.1f} px（在 20 px 框内），与 MNIST 相当：保持不变</translation>
    </message>
</context>
<context>
    <name>TechniqueOptions</name>
    <message>
        <source>ours</source>
        <translation>我们的</translation>
    </message>
    <message>
        <source>quick</source>
        <translation>快速</translation>
    </message>
    <message>
        <source>the article&apos;s</source>
        <translation>文章的</translation>
    </message>
    <message>
        <source>AdamW</source>
        <translation>自适应矩估计（解耦衰减）</translation>
    </message>
    <message>
        <source>Adam</source>
        <translation>自适应矩估计</translation>
    </message>
    <message>
        <source>SGD</source>
        <translation>随机梯度下降</translation>
    </message>
    <message>
        <source>RMSprop</source>
        <translation>均方根传播</translation>
    </message>
    <message>
        <source>Adagrad</source>
        <translation>自适应梯度</translation>
    </message>
    <message>
        <source>Adadelta</source>
        <translation>自适应增量</translation>
    </message>
    <message>
        <source>one-cycle</source>
        <translation>单周期</translation>
    </message>
    <message>
        <source>step</source>
        <translation>阶梯</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>余弦</translation>
    </message>
    <message>
        <source>constant</source>
        <translation>恒定</translation>
    </message>
    <message>
        <source>PyTorch&apos;s</source>
        <translation>PyTorch 的</translation>
    </message>
    <message>
        <source>Glorot (Keras&apos;s)</source>
        <translation>格洛罗均匀（Keras 的）</translation>
    </message>
    <message>
        <source>Whose recipe the fields start from: ours, the quick one, or the seed article&apos;s own</source>
        <translation>各项的初始值来自哪个配方：我们的、快速的，或种子文章自己的</translation>
    </message>
    <message>
        <source>peak learning rate</source>
        <translation>峰值学习率</translation>
    </message>
    <message>
        <source>images per optimizer step</source>
        <translation>每个优化步的图像数</translation>
    </message>
    <message>
        <source>SGD&apos;s momentum</source>
        <translation>随机梯度下降的动量</translation>
    </message>
    <message>
        <source>Nesterov</source>
        <translation>涅斯捷罗夫</translation>
    </message>
    <message>
        <source>SGD&apos;s Nesterov momentum: the gradient taken a step ahead</source>
        <translation>随机梯度下降的涅斯捷罗夫动量：在前方一步处求梯度</translation>
    </message>
    <message>
        <source>weight decay: L2 for all but adamw, whose decay is decoupled</source>
        <translation>权重衰减：除解耦衰减的自适应矩估计外都是 L2 正则</translation>
    </message>
    <message>
        <source>L1 penalty: this times the sum of |w| of the conv and linear weights, added to the loss</source>
        <translation>L1 惩罚：卷积层和线性层权重的 |w| 之和乘以此值，加到损失上</translation>
    </message>
    <message>
        <source>the learning rate over the run: onecycle (warm-up, then down to 0), step (x0.1 every 5 epochs), cosine (down to 0), constant</source>
        <translation>整个训练中学习率的变化：单周期（先预热，再降到 0）、阶梯（每 5 轮乘以 0.1）、余弦（降到 0）、恒定</translation>
    </message>
    <message>
        <source>initial weights: PyTorch&apos;s, or Keras&apos;s glorot-uniform with zero biases</source>
        <translation>初始权重：PyTorch 的，或 Keras 的格洛罗均匀分布（偏置为零）</translation>
    </message>
    <message>
        <source>affine</source>
        <translation>仿射</translation>
    </message>
    <message>
        <source>shift</source>
        <translation>平移</translation>
    </message>
    <message>
        <source>elastic</source>
        <translation>弹性</translation>
    </message>
    <message>
        <source>random rotation, zoom, shear and shift of each training image</source>
        <translation>对每张训练图像随机旋转、缩放、剪切和平移</translation>
    </message>
    <message>
        <source>random whole-pixel shifts of up to 2 pixels</source>
        <translation>随机整像素平移，最多 2 像素</translation>
    </message>
    <message>
        <source>random elastic distortion, {0} pixels</source>
        <translation>随机弹性形变，{0} 像素</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关</translation>
    </message>
    <message>
        <source> epochs</source>
        <translation> 轮</translation>
    </message>
    <message>
        <source>early stopping: stop after this many epochs without a better validation accuracy, and keep the best epoch&apos;s weights</source>
        <translation>提前停止：连续这么多轮验证准确率没有提高就停止，并保留最好一轮的权重</translation>
    </message>
    <message>
        <source>Recipe</source>
        <translation>配方</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Momentum</source>
        <translation>动量</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>学习率调度</translation>
    </message>
    <message>
        <source>L2</source>
        <translation>L2</translation>
    </message>
    <message>
        <source>L1</source>
        <translation>L1</translation>
    </message>
    <message>
        <source>Init</source>
        <translation>初始化</translation>
    </message>
    <message>
        <source>Early stop</source>
        <translation>提前停止</translation>
    </message>
    <message>
        <source>Augment</source>
        <translation>数据增强</translation>
    </message>
</context>
<context>
    <name>Timeline</name>
    <message>
        <source>strokes</source>
        <translation>笔画数</translation>
    </message>
    <message>
        <source>the number after each stroke</source>
        <translation>每一笔之后读出的数</translation>
    </message>
</context>
<context>
    <name>TrainTab</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Ready.</source>
        <translation>就绪。</translation>
    </message>
    <message>
        <source>Fine-tune</source>
        <translation>微调</translation>
    </message>
    <message>
        <source>Train from scratch</source>
        <translation>从头训练</translation>
    </message>
    <message>
        <source>Draw and label</source>
        <translation>书写并标注</translation>
    </message>
    <message>
        <source>Your samples</source>
        <translation>你的样本</translation>
    </message>
    <message>
        <source>The net: layers</source>
        <translation>网络：各层</translation>
    </message>
    <message>
        <source>Techniques</source>
        <translation>训练技巧</translation>
    </message>
    <message>
        <source>sample not kept: {0}</source>
        <translation>样本未保存：{0}</translation>
    </message>
    <message>
        <source>Kept a sample of {0} ({1} samples).</source>
        <translation>已保存一个 {0} 的样本（共 {1} 个样本）。</translation>
    </message>
    <message>
        <source>No samples yet: draw a few digits, label them and press Add first.</source>
        <translation>还没有样本：请先写几个数字，标注后按“添加”。</translation>
    </message>
    <message>
        <source>{0} is an ONNX model: ONNX Runtime runs it but cannot train it. Fine-tune one of mnist-pad&apos;s models, or open the PyTorch or Keras file it came from.</source>
        <translation>{0} 是 ONNX 模型：ONNX Runtime 可以运行它，但不能训练它。请微调 mnist-pad 的模型，或打开它所来自的 PyTorch 或 Keras 文件。</translation>
    </message>
    <message>
        <source>Fine-tuning {0} on {1} samples ({2} steps)...</source>
        <translation>正在用 {1} 个样本微调 {0}（{2} 步）...</translation>
    </message>
    <message>
        <source>Cannot train: {0}</source>
        <translation>无法训练：{0}</translation>
    </message>
    <message>
        <source>Cannot write the TensorBoard log: {0}</source>
        <translation>无法写入张量板日志：{0}</translation>
    </message>
    <message>
        <source>Training {0} on {1} for {2} epoch(s) on {3}...</source>
        <translation>正在 {3} 上用 {1} 训练 {0}，共 {2} 轮...</translation>
    </message>
    <message>
        <source>Cannot save models: {0}</source>
        <translation>无法保存模型：{0}</translation>
    </message>
    <message>
        <source>Cancelled: nothing was saved and the model in use is unchanged.</source>
        <translation>已取消：未保存任何内容，当前使用的模型保持不变。</translation>
    </message>
    <message>
        <source>Cancelling...</source>
        <translation>正在取消...</translation>
    </message>
    <message>
        <source>step {0}/{1}, loss {2:.3f}, {3:,.0f} images/s</source>
        <translation>第 {0}/{1} 步，损失 {2:.3f}，{3:,.0f} 张图像/秒</translation>
    </message>
    <message>
        <source>epoch {0}/{1}, {2}</source>
        <translation>第 {0}/{1} 轮，{2}</translation>
    </message>
    <message>
        <source>{0}, {1:.0f} s left</source>
        <translation>{0}，剩余 {1:.0f} 秒</translation>
    </message>
    <message>
        <source>Saved {0} ({1:.2%} on {2} test). Still using {3} ({4:.2%}), which reads it better: pick the new model in the Model list to use it anyway.</source>
        <translation>已保存 {0}（在 {2} 测试集上准确率 {1:.2%}）。仍在使用 {3}（{4:.2%}），它在该测试集上表现更好：如仍要使用新模型，请在“模型”列表中选择它。</translation>
    </message>
    <message>
        <source>Saved {0}; still using {1}: {2}</source>
        <translation>已保存 {0}；仍在使用 {1}：{2}</translation>
    </message>
    <message>
        <source>{0} Its TensorBoard log: tensorboard --logdir {1}</source>
        <translation>{0} 它的张量板日志：tensorboard --logdir {1}</translation>
    </message>
    <message>
        <source>Saved {0} and switched to it; measuring what it kept of MNIST...</source>
        <translation>已保存 {0} 并切换到该模型；正在测量它保留了多少 MNIST 能力...</translation>
    </message>
    <message>
        <source>Cancelled the MNIST check; {0} is saved and in use.</source>
        <translation>已取消 MNIST 检查；{0} 已保存并正在使用。</translation>
    </message>
    <message>
        <source>Now using {0} ({1:.2%} on {2} test).</source>
        <translation>正在使用 {0}（{2} 测试集准确率 {1:.2%}）。</translation>
    </message>
    <message>
        <source>Now using {0}.</source>
        <translation>现在使用 {0}。</translation>
    </message>
    <message>
        <source>Saved {0} and switched to it ({1:.2f}% on {2} test).</source>
        <translation>已保存 {0} 并切换到该模型（{2} 测试集准确率 {1:.2f}%）。</translation>
    </message>
    <message>
        <source>Saved {0} and switched to it.</source>
        <translation>已保存 {0} 并切换到该模型。</translation>
    </message>
    <message>
        <source>Another job is running; this is available again when it has ended.</source>
        <translation>另一个任务正在运行；它结束后即可使用。</translation>
    </message>
    <message>
        <source>The net cannot be built: {0}</source>
        <translation>无法构建网络：{0}</translation>
    </message>
</context>
<context>
    <name>_LayerGrid</name>
    <message>
        <source>Layer</source>
        <translation>层</translation>
    </message>
</context>
</TS>
