package flowbench.baselines.algorithms;

import flowbench.harness.agent.Algorithm;
import flowbench.harness.spi.AlgorithmProvider;

import java.util.List;

/** Registers the baselines module's algorithms with the harness (META-INF/services). */
public final class BaselinesAlgorithms implements AlgorithmProvider {
    @Override
    public List<Algorithm<?>> algorithms() {
        return List.of(new FlowBC(),
                new QAM(QAM.Variant.QAM), new QAM(QAM.Variant.QAM_F), new QAM(QAM.Variant.QAM_E),
                new QGF(),
                new CGQL(CGQL.Mode.SIMPLE), new CGQL(CGQL.Mode.MSE), new CGQL(CGQL.Mode.LINEX),
                new FEdit(), new BAM(), new CFGRL(), new EDP(),
                new FQL(), new FQL(FQL.Variant.PAPER), new ReBRAC(), new FBRAC(), new IFQL(), new FAWAC(), new DSRL(),
                new QSM(),
                new DAC());
    }
}
